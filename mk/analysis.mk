# Analysis and publishing: reports and docs/ from stored campaigns (harness/analysis/).
# Included by the top Makefile (-include mk/*.mk). Reads results/ only; never measures.
#
#   make report CAMPAIGN=NAME   results/NAME/report.md + report.html (self-contained)
#   make docs                   `arena docs`: every generated page of docs/: the charts,
#                               docs/results.md and the README's published block from the
#                               campaign that results/published.txt names (or
#                               DOCS_CAMPAIGN=results/NAME), the pyserver options from its
#                               config schema, the servers (and the README's table) from the
#                               catalog, docs/sweep-files.md from the settings
#                               schema; refused (exit 1) when the campaign's audit fails
#                               (`arena audit NAME` lists the violations)

DOCS_DIR      ?= docs
DOCS_CAMPAIGN ?=

.PHONY: docs report

docs: venv
	$(VENV)/bin/arena docs --docs-dir $(DOCS_DIR) --readme README.md $(DOCS_CAMPAIGN)

report: venv
	@if [ -z "$(CAMPAIGN)" ]; then echo "usage: make report CAMPAIGN=NAME (a folder under results/)" >&2; exit 2; fi
	$(VENV)/bin/arena report $(CAMPAIGN)
