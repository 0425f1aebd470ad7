# A real browser for tests/analysis/test_report_browser.py: Debian's chromium, which
# Playwright's Python package (from the lock) drives through executable_path. Playwright's
# own browser downloads are never used. Included by the top Makefile (-include mk/*.mk).
#
#   make browser   as root: apt-get install chromium (once); otherwise say how. Never fails:
#                  without chromium the browser test is skipped with the reason.

CHROMIUM ?= /usr/bin/chromium

.PHONY: browser

browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "browser test: installing Debian's chromium (apt, once)"; \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
	   || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null)) \
	  || echo "browser test: apt-get could not install chromium; tests/analysis/test_report_browser.py will be skipped"; \
	else echo "browser test: $(CHROMIUM) is missing and installing it needs root ('sudo apt-get install chromium'); the test will be skipped"; fi

TEST_DEPS += browser
