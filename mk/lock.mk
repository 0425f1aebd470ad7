# Pinned Python dependencies: requirements.lock.txt holds every package the virtualenv
# gets, each at one version with the sha256 of every file PyPI has for it, resolved once
# for every Python the project supports (>= 3.11) and every platform (a universal
# resolution, with environment markers). Plain pip installs it hash-checked (the venv
# rule in the Makefile); uv, from PyPI at a pinned version, only writes it.
# Included by the top Makefile (-include mk/*.mk). Why this shape: docs/methodology.md,
# "Reproducing".
#
#   make lock                          resolve what pyproject.toml added or changed,
#                                      keeping every other pin (a few seconds)
#   make lock LOCK_ARGS=--upgrade      every package to its newest allowed version
#   make lock LOCK_ARGS='--upgrade-package granian'   one package only

# LOCK (requirements.lock.txt) is set in the Makefile, beside the venv rule that installs it.
UV_VERSION  ?= 0.13.9
UV_HOME     := .tools/uv-$(UV_VERSION)
UV          := $(UV_HOME)/bin/uv
LOCK_ARGS   ?=

.PHONY: lock

# uv in a virtualenv of its own, so `make lock` works even when .venv cannot be built.
$(UV):
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/python -m pip install --quiet uv==$(UV_VERSION)

# Every extra is locked (--all-extras), so an extra added to pyproject.toml is covered
# by the next `make lock` without editing this file. uv prefers the pins already in
# $(LOCK), so only what changed is resolved again.
lock: $(UV)
	$(UV) pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
	  --generate-hashes --custom-compile-command 'make lock' --quiet $(LOCK_ARGS) -o $(LOCK)
	$(PYTHON) mk/lockcheck.py stamp $(LOCK)
	@echo "lock: $(LOCK) ($$(grep -c '^[a-z0-9]' $(LOCK)) packages); commit it with pyproject.toml"
