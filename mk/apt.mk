# Optional Debian packages, installed as root with apt (once), else a message saying how.
# Never fails: what needs the package skips or reports it as unknown, with the reason.
# Included by the top Makefile (-include mk/*.mk); used by browser.mk and ceiling.mk.
#
#   $(call apt_optional,PACKAGE,BINARY,WHO,WITHOUT)   WHO prefixes each message;
#                                                    WITHOUT says what happens without it

define apt_optional
	@if [ -x $(2) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "$(3): installing Debian's $(1) (apt, once)"; \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(1) >/dev/null 2>&1 \
	   || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(1) >/dev/null)) \
	  || echo "$(3): apt-get could not install $(1); $(4)"; \
	else echo "$(3): $(2) is missing and installing it needs root ('sudo apt-get install $(1)'); $(4)"; fi
endef
