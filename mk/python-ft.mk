# Free-threaded CPython (PEP 703, https://peps.python.org/pep-0703/): the same Python
# servers with and without the GIL. Included by the top Makefile (-include mk/*.mk).
#
#   make python-ft      CPython 3.13 built with --disable-gil from Debian's python3.13
#                       source package (mk/python-ft.sh) into .python-ft/, then .venv-ft
#                       with pyserver and the peers that support that build (the "ft"
#                       extra). Cached: a second run does nothing. Fails with one message
#                       where it cannot build (not root, no source reachable).
#   make bench-gil      harness/sweeps/gil.toml: each free-threaded entry beside its
#                       standard-build twin, CPU-bound and I/O-bound, then the report.
#
# The interpreter is what the catalog's `python = "ft"` entries run (harness/catalog.py).

PYTHON_FT_PREFIX  ?= $(CURDIR)/.python-ft
PYTHON_FT         := $(PYTHON_FT_PREFIX)/bin/python3.13t
# Written by mk/python-ft.sh after a complete install passed its checks.
PYTHON_FT_BUILT   := $(PYTHON_FT_PREFIX)/.built
VENV_FT           := .venv-ft
# Outside the repository: the source package and the build tree (about 500 MB while building).
PYTHON_FT_CACHE   ?= /var/tmp/arena-python-ft
# The Debian suite whose source package carries python3.13 (Debian 13, trixie).
PYTHON_FT_SUITE   ?= trixie
PYTHON_FT_PACKAGE ?= python3.13
PYTHON_FT_MIRROR  ?= http://deb.debian.org/debian
# Only what the build needs for venv, pip (zlib, ssl) and ctypes; from this machine's suite.
PYTHON_FT_BUILD_DEPS ?= gcc make xz-utils libssl-dev zlib1g-dev libffi-dev

.PHONY: python-ft python-ft-if-possible bench-gil

python-ft: $(VENV_FT)/.installed

PYTHON_FT_ENV = PYTHON_FT_CACHE=$(PYTHON_FT_CACHE) PYTHON_FT_PREFIX=$(PYTHON_FT_PREFIX) \
  PYTHON_FT_SUITE=$(PYTHON_FT_SUITE) PYTHON_FT_PACKAGE=$(PYTHON_FT_PACKAGE) \
  PYTHON_FT_MIRROR=$(PYTHON_FT_MIRROR) PYTHON_FT_BUILD_DEPS="$(PYTHON_FT_BUILD_DEPS)"

$(PYTHON_FT_BUILT):
	@$(PYTHON_FT_ENV) sh mk/python-ft.sh

# Rebuilt when pyproject.toml changes, like .venv. PYTHON_GIL is unset so that the
# check below reads the build's default, not an override from the caller's shell.
$(VENV_FT)/.installed: $(PYTHON_FT_BUILT) pyproject.toml
	rm -rf $(VENV_FT)
	$(PYTHON_FT) -m venv $(VENV_FT)
	$(VENV_FT)/bin/python -m pip install --quiet --upgrade pip
	$(VENV_FT)/bin/python -m pip install --quiet -e '.[ft]'
	env -u PYTHON_GIL $(VENV_FT)/bin/python -c 'import sys, pyserver, workloads.python.flask_app, gunicorn, waitress, granian; \
	  sys.exit("error: the GIL came back on importing the servers" if sys._is_gil_enabled() else 0)'
	touch $@

# For `make test`: build where possible, else one line saying why; the tests that need
# the build then skip with that reason (tests/gil). A real build failure still fails.
python-ft-if-possible:
	@if [ ! -e $(PYTHON_FT_BUILT) ]; then $(PYTHON_FT_ENV) sh mk/python-ft.sh; rc=$$?; \
	  if [ $$rc = 3 ]; then echo "python-ft: tests/gil will be skipped"; exit 0; fi; \
	  [ $$rc = 0 ] || exit $$rc; fi; \
	$(MAKE) --no-print-directory $(VENV_FT)/.installed

TEST_DEPS += python-ft-if-possible

GIL_CAMPAIGN ?= gil-$(shell date +%Y%m%d)
.SECONDEXPANSION:
bench-gil: venv tools loadtools python-ft $$(BENCH_DEPS)
	$(VENV)/bin/arena sweep harness/sweeps/gil.toml --campaign $(GIL_CAMPAIGN) $(SWEEP_ARGS)
	$(VENV)/bin/arena report $(GIL_CAMPAIGN)

# tests/gil quote why the build is absent when they skip; ARENA_REQUIRE_PYTHON_FT=1
# turns those skips into failures.
test: export ARENA_PYTHON_FT_STATUS = $(PYTHON_FT_CACHE)/unavailable.txt
