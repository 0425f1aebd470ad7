# JupyterLab on notebooks/, for exploring campaigns by hand. Included by the top Makefile
# (-include mk/*.mk). JupyterLab comes with the venv (the `notebook` extra, in the lock).
#
#   make notebook [NOTEBOOK_PORT=8888] [NOTEBOOK_TOKEN=...]
#       serves on 127.0.0.1 only, with a token (a fresh random one unless given, passed
#       through JUPYTER_TOKEN so other users of the machine cannot read it in `ps`), and
#       prints the URL to open. The notebooks open on the published campaign
#       (results/published.txt); ARENA_CAMPAIGN=results/NAME picks another. Ctrl-C stops it.

NOTEBOOK_PORT ?= 8888

.PHONY: notebook

notebook: venv
	@$(PY) -c 'import jupyterlab' 2>/dev/null || { echo "error: JupyterLab is missing from $(VENV); it comes with the lock's notebook extra (make lock, then make venv)" >&2; exit 1; }
	@token="$${NOTEBOOK_TOKEN:-$$($(PY) -c 'import secrets; print(secrets.token_hex(24))')}"; \
	root=; [ "$$(id -u)" = 0 ] && root=--allow-root; \
	echo "JupyterLab on notebooks/ (published campaign: $$(grep -v '^#' results/published.txt | head -1)):"; \
	echo "  http://127.0.0.1:$(NOTEBOOK_PORT)/lab?token=$$token"; \
	JUPYTER_TOKEN="$$token" exec $(VENV)/bin/jupyter lab --no-browser $$root \
	  --ServerApp.ip=127.0.0.1 --ServerApp.port=$(NOTEBOOK_PORT) --ServerApp.port_retries=0 \
	  --ServerApp.root_dir=notebooks
