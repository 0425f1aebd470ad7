# Go and Node: the Go server and the upstream delay service into bin/, the Node
# servers' packages into servers/node/node_modules/, and their own test suites.
# Included by the top Makefile (-include mk/*.mk); needs go and node/npm on PATH.

GO   ?= go
NODE ?= node
NPM  ?= npm
GO_BUILD_FLAGS ?= -trimpath

GO_SERVER_SRC   := servers/go/go.mod $(filter-out %_test.go,$(wildcard servers/go/*.go))
UPSTREAM_SRC    := workloads/upstream/go.mod $(filter-out %_test.go,$(wildcard workloads/upstream/*.go))
NODE_STAMP      := servers/node/node_modules/.installed

.PHONY: runtimes go-test node-test

runtimes: $(BIN)/arena-go $(BIN)/arena-upstream $(NODE_STAMP)

$(BIN)/arena-go: $(GO_SERVER_SRC)
	@mkdir -p $(BIN)
	cd servers/go && $(GO) build $(GO_BUILD_FLAGS) -o $(CURDIR)/$@ .

$(BIN)/arena-upstream: $(UPSTREAM_SRC)
	@mkdir -p $(BIN)
	cd workloads/upstream && $(GO) build $(GO_BUILD_FLAGS) -o $(CURDIR)/$@ .

# npm ci installs exactly the lock; the stamp is rebuilt when the lock changes.
$(NODE_STAMP): servers/node/package-lock.json servers/node/package.json
	cd servers/node && $(NPM) ci --no-audit --no-fund
	touch $@

go-test:
	cd servers/go && $(GO) vet ./... && $(GO) test -count=1 ./...
	cd workloads/upstream && $(GO) vet ./... && $(GO) test -count=1 ./...

node-test: $(NODE_STAMP)
	$(NODE) --test servers/node/test/

TEST_DEPS += $(BIN)/arena-go $(BIN)/arena-upstream $(NODE_STAMP) go-test node-test

# Under `make test` the runtime contract tests must run, not skip for want of a build.
test: export ARENA_REQUIRE_RUNTIMES = 1
