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
	$(call apt_optional,nginx,$(NGINX),ceiling,the load path's ceiling will be unknown)

TEST_DEPS  += ceiling
BENCH_DEPS += ceiling
