# Two commands on a fresh machine with Python 3.11:
#   make run    set up .venv if needed, then start the dashboard on the offline default model
#   make test   set up .venv if needed, then run the whole test suite
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test setup
setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

# compile UMAP's numba code once into the venv's own cache (.venv/numba-cache, core/explore/layout.py), so the
# first UMAP map (and its test) does not wait; redone when the layout code changes
WARM := $(VENV)/numba-cache/.warm
$(WARM): $(STAMP) core/explore/layout.py
	HF_HUB_OFFLINE=1 $(VENV)/bin/python -c "import numpy; from core.explore.layout import umap_2d; \
		umap_2d(numpy.random.default_rng(0).normal(size=(40, 8)), n_neighbors=5)" 2>/dev/null || true
	mkdir -p $(VENV)/numba-cache && touch $(WARM)

setup: $(WARM)

run: $(WARM)
	HF_HUB_OFFLINE=1 $(VENV)/bin/streamlit run Home.py

test: $(WARM)
	HF_HUB_OFFLINE=1 $(VENV)/bin/python -m pytest -q; rc=$$?; if [ $$rc -eq 5 ]; then echo 'no tests collected'; exit 0; fi; exit $$rc
