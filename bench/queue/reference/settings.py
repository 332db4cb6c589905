"""The reference: a minimal DRF app (one model, a ModelViewSet, token auth, cursor pagination of 25).

Same PostgreSQL database as qihu, but its own schema `ref` (search_path), so its auth, token and ticket
tables never meet qihu's. Production-like: DEBUG off, persistent connections like qihu's default.
"""

import os

import environ

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "bench-reference-only")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "reference.urls"
WSGI_APPLICATION = "reference.wsgi.application"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "rest_framework.authtoken",
    "reference",
]
MIDDLEWARE = [  # what `startproject` gives, less what needs the apps left out
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

DATABASES = {"default": environ.Env().db("DATABASE_URL")}
DATABASES["default"]["OPTIONS"] = {"options": "-c search_path=ref"}
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
}
