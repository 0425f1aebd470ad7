# nginx from Debian for the load path's ceiling (harness/launch/ceiling.py): one worker
# answering /hello's exact bytes with `return 200`, measured by the same generator on the
# same placement as the servers. Included by the top Makefile (-include mk/*.mk).
#
#   make ceiling   as root: apt-get install nginx (once); otherwise say how. Never fails:
#                  without nginx a sweep's ceiling rows fail with the reason and /hello keeps
#                  no measured ceiling (the ceiling is unknown, never guessed).

NGINX ?= /usr/sbin/nginx

.PHONY: ceiling

ceiling:
	@if [ -x $(NGINX) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "ceiling: installing Debian's nginx (apt, once)"; \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null 2>&1 \
	   || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null)) \
	  || echo "ceiling: apt-get could not install nginx; the load path's ceiling will be unknown"; \
	else echo "ceiling: $(NGINX) is missing and installing it needs root ('sudo apt-get install nginx'); the load path's ceiling will be unknown"; fi

TEST_DEPS  += ceiling
BENCH_DEPS += ceiling
