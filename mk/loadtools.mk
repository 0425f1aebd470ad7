# Load tools beyond wrk (which `make tools` takes from Debian): vegeta, pinned, built
# with `go install` into bin/ (never a system path), and locust from PyPI through the
# virtualenv (pyproject extra). Included by the top Makefile (-include mk/*.mk).
#
#   make loadtools          bin/vegeta at VEGETA_VERSION; checks locust in .venv
#   make bench-full         the full sweep (harness/sweeps/full.toml)
#   SWEEP_ARGS=...          extra `arena sweep` options (e.g. --campaign NAME, --dry-run)

VEGETA_VERSION ?= v12.12.0
VEGETA_MODULE  := github.com/tsenart/vegeta/v12
GO             ?= go
SWEEP_ARGS     ?=

.PHONY: loadtools bench-full

# The stamp names the version, so changing VEGETA_VERSION rebuilds it.
$(BIN)/.vegeta-$(VEGETA_VERSION):
	@command -v $(GO) >/dev/null 2>&1 || { echo "error: go is needed to build vegeta ($(VEGETA_MODULE)@$(VEGETA_VERSION)); install Go or put vegeta on PATH" >&2; exit 1; }
	@mkdir -p $(BIN)
	GOBIN=$(CURDIR)/$(BIN) $(GO) install $(VEGETA_MODULE)@$(VEGETA_VERSION)
	@rm -f $(BIN)/.vegeta-*
	touch $@

$(BIN)/vegeta: $(BIN)/.vegeta-$(VEGETA_VERSION)

loadtools: $(BIN)/vegeta venv
	@$(PY) -c "import locust" 2>/dev/null || { echo "error: locust is missing from $(VENV); it comes from the pyproject extra that 'make venv' installs" >&2; exit 1; }

# BENCH_DEPS is read when these rules run (second expansion), after every fragment added to it.
.SECONDEXPANSION:
bench-full: venv tools loadtools $$(BENCH_DEPS)
	$(VENV)/bin/arena sweep harness/sweeps/full.toml $(SWEEP_ARGS)

TEST_DEPS  += $(BIN)/vegeta
BENCH_DEPS += $(BIN)/vegeta $(BIN)/arena-go $(BIN)/arena-upstream $(NODE_STAMP)
