# qihu: Django web app, Celery worker and Celery beat all run from this one image
# (docker-compose.yml picks the command per service).
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=qihu.settings

WORKDIR /app

# A CJK font for the Chinese labels of the weekly digests' charts (matplotlib in the worker).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so the layer is cached while only the code changes.
COPY requirements.txt /app/requirements.txt
RUN pip install -r /app/requirements.txt

# A non-root user owns var/ (collected static files, mail spool); the code stays root-owned.
RUN groupadd --system qihu \
    && useradd --system --gid qihu --home-dir /app --no-create-home --shell /usr/sbin/nologin qihu

COPY . /app
RUN mkdir -p /app/var/static /app/var/mail /data/media \
    && chown -R qihu:qihu /app/var /data/media

USER qihu

EXPOSE 8000

CMD ["gunicorn", "qihu.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
