# Concurrency Arena. `make bench` measures, `make test` checks.
# Every target installs what it needs: a virtualenv in .venv, Go and Node
# builds into bin/ and node_modules/, and (as root) Debian packages such as wrk.

PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
BIN      := bin
MODE     ?= threaded
APP      ?= workloads.python.wsgi_app:app
BIND     ?= 127.0.0.1:8000
ARGS     ?=

.PHONY: help venv test serve bench bench-server bench-stacks tools clean

# Every target, by what it is for (tests/test_make_help.py checks that none is left out).
help:
	@echo "The two commands:"
	@echo "  make bench         quick benchmark sweep, natively, ending in a report with charts"
	@echo "  make test          the test suite (installs what it needs)"
	@echo ""
	@echo "Measure:"
	@echo "  make bench-full    the full sweep (harness/sweeps/full.toml); SWEEP_ARGS=... go to arena sweep"
	@echo "  make bench-docker  the same points natively and in Docker, side by side, then a report"
	@echo "  make bench-server  pyserver vs gunicorn, model for model (harness/sweeps/bench-server.toml), then a report"
	@echo "  make bench-stacks  the article's stacks: Flask and Django under uWSGI and gunicorn (harness/sweeps/stacks.toml)"
	@echo "  make bench-gil     each Python server on free-threaded CPython 3.13t beside its standard twin (harness/sweeps/gil.toml)"
	@echo "  make serve MODE=threaded|forked|async APP=module:callable [BIND=host:port] [ARGS=...]"
	@echo "  your own WSGI app under every Python server (README: Benchmark your own app):"
	@echo "    .venv/bin/arena run --app pkg.module:app --path /endpoint --connections 64 [--server NAME ...]"
	@echo ""
	@echo "Read results:"
	@echo "  make report CAMPAIGN=NAME   results/NAME/report.md + report.html (self-contained)"
	@echo "  make docs          docs/results.md, docs/charts/ and the README's block from results/published.txt"
	@echo "  make notebook      JupyterLab on notebooks/ (127.0.0.1 with a token; prints the URL)"
	@echo ""
	@echo "Set up (the targets above run what they need):"
	@echo "  make venv          .venv from requirements.lock.txt (hash-checked), then the project"
	@echo "  make lock          update requirements.lock.txt after editing pyproject.toml (LOCK_ARGS=--upgrade: all newest)"
	@echo "  make tools         wrk from Debian (installed as root)"
	@echo "  make loadtools     vegeta into bin/ (go install); checks locust"
	@echo "  make runtimes      the Go server and upstream service into bin/, the Node packages"
	@echo "  make ceiling       Debian's nginx for the load path's /hello ceiling (installed as root)"
	@echo "  make browser       Debian's chromium for the report's browser test (installed as root)"
	@echo "  make python-ft     CPython 3.13 without the GIL from Debian's source, and .venv-ft (as root; cached)"
	@echo "  make docker        every container image (make docker-engine / docker-base without a registry)"
	@echo "  make clean         remove .venv, bin/, node_modules/, .tools/"
	@echo ""
	@echo "Parts of make test: make go-test / node-test / docker-test / docker-test-prep / python-ft-if-possible"
	@echo "The one command behind them, one step at a time: .venv/bin/arena --help (list, run, sweep, report, docs, ...)"
	@echo "This list: make help."

# The virtualenv holds exactly the lock (every pin hash-checked), then the project itself
# without resolving anything. It is rebuilt from scratch when the lock or pyproject.toml
# changes; a lock older than pyproject's dependencies stops here (`make lock`, mk/lock.mk).
LOCK := requirements.lock.txt
$(VENV)/.installed: $(LOCK) pyproject.toml
	@$(PYTHON) mk/lockcheck.py check $(LOCK)
	$(PYTHON) -m venv --clear $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

venv: $(VENV)/.installed

# Debian packages the load side needs (wrk). As root they are installed;
# otherwise say what to install instead of failing later in the middle of a run.
tools:
	@if command -v wrk >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  (apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk)) \
	  || { echo "error: apt-get could not install wrk" >&2; exit 1; }; \
	else echo "error: wrk is missing; run 'sudo apt-get install wrk' (or make as root)" >&2; exit 1; fi

-include mk/*.mk

test: venv tools $(TEST_DEPS)
	$(PY) -m pytest $(PYTEST_ARGS)

serve: venv
	$(VENV)/bin/arena serve --mode $(MODE) --bind $(BIND) $(ARGS) $(APP)

# The main job: the quick sweep, natively, then its report with charts. One campaign a
# day: rerunning resumes it (Ctrl-C is safe); BENCH_CAMPAIGN=name starts another.
BENCH_CAMPAIGN ?= quick-$(shell date +%Y%m%d)
.SECONDEXPANSION:
bench: venv tools loadtools $$(BENCH_DEPS)
	$(VENV)/bin/arena sweep harness/sweeps/quick.toml --campaign $(BENCH_CAMPAIGN) $(SWEEP_ARGS)
	$(VENV)/bin/arena report $(BENCH_CAMPAIGN)

# pyserver against gunicorn, model for model, through the same pipeline (sweep -> rows -> report).
SERVER_CAMPAIGN ?= bench-server-$(shell date +%Y%m%d)
bench-server: venv tools loadtools $$(BENCH_DEPS)
	$(VENV)/bin/arena sweep harness/sweeps/bench-server.toml --campaign $(SERVER_CAMPAIGN) $(SWEEP_ARGS)
	$(VENV)/bin/arena report $(SERVER_CAMPAIGN)

# The article's own stacks (Flask and Django under uWSGI and gunicorn), then a report.
STACKS_CAMPAIGN ?= stacks-$(shell date +%Y%m%d)
bench-stacks: venv tools loadtools $$(BENCH_DEPS)
	$(VENV)/bin/arena sweep harness/sweeps/stacks.toml --campaign $(STACKS_CAMPAIGN) $(SWEEP_ARGS)
	$(VENV)/bin/arena report $(STACKS_CAMPAIGN)

clean:
	rm -rf $(VENV) $(BIN) servers/node/node_modules .pytest_cache .tools
