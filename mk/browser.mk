# A real browser for tests/analysis/test_report_browser.py: Debian's chromium, which
# Playwright's Python package (from the lock) drives through executable_path. Playwright's
# own browser downloads are never used. Included by the top Makefile (-include mk/*.mk).
#
#   make browser   as root: apt-get install chromium (once); otherwise say how. Never fails:
#                  without chromium the browser test is skipped with the reason.

CHROMIUM ?= /usr/bin/chromium

.PHONY: browser

browser:
	$(call apt_optional,chromium,$(CHROMIUM),browser test,tests/analysis/test_report_browser.py will be skipped)

TEST_DEPS += browser
