# Analysis and publishing: reports and docs/ from stored campaigns (harness/report.py).
# Included by the top Makefile (-include mk/*.mk). Reads results/ only; never measures.
#
#   make report CAMPAIGN=NAME   results/NAME/report.md + report.html (self-contained)
#   make docs                   docs/charts/* and docs/results.md from the newest campaign
#                               under results/ (or DOCS_CAMPAIGN=results/NAME)

DOCS_DIR      ?= docs
DOCS_CAMPAIGN ?= $(patsubst %/campaign.json,%,$(firstword $(shell ls -t results/*/campaign.json 2>/dev/null)))

.PHONY: docs report

docs: venv
	@if [ -z "$(DOCS_CAMPAIGN)" ]; then \
	  echo "error: no campaign under results/ to publish; run 'make bench-full' first," \
	       "or name one: make docs DOCS_CAMPAIGN=results/NAME" >&2; exit 1; fi
	$(PY) -m harness.report --docs $(DOCS_DIR) $(DOCS_CAMPAIGN)

report: venv
	@if [ -z "$(CAMPAIGN)" ]; then echo "usage: make report CAMPAIGN=NAME (a folder under results/)" >&2; exit 2; fi
	$(PY) -m harness.report $(CAMPAIGN)
