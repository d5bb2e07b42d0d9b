# Two commands set everything up on a fresh machine with Python 3.11 and make:
#   make book   # venv + pinned packages, data, execute chapters, build HTML (_build/html)
#   make test   # the same, then the whole test suite
# Options: FORCE=1 re-executes every chapter; PANEL=my_panel.csv runs the book on your panel (.csv, .xlsx, .dta,
#          .parquet; PANEL_ENCODING=gb18030, PANEL_COLUMNS=map.yml, PANEL_ACCEPT=esg_unit_scale: see README);
#          CHAPTERS="03_descriptive 04_fixed_effects" executes only those; JOBS=N chapters at once (default 2).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?= 2
FORCE ?=
PANEL ?=
PANEL_ENCODING ?=
PANEL_COLUMNS ?=
PANEL_ACCEPT ?=
CHAPTERS ?=
PYTEST_ARGS ?=

.PHONY: book test venv data notebooks html ipynb bench bench-mc bench-scale student pdf font pdf-deps diff-results browser-deps clean clean-all

book: html

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "[venv] installing pinned packages into $(VENV)"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

venv: $(STAMP)

data: venv
	@$(PY) -m esgrisk.simulate

# Papermill parameters for every chapter that declares them, one `-p name "value"` each (values may
# contain spaces; relative paths are read from the directory make runs in). Add a line per option.
PIPELINE_PARAMETERS := $(if $(PANEL),-p panel_path "$(PANEL)") \
  $(if $(PANEL_ENCODING),-p panel_encoding "$(PANEL_ENCODING)") \
  $(if $(PANEL_COLUMNS),-p panel_columns "$(PANEL_COLUMNS)") \
  $(if $(PANEL_ACCEPT),-p panel_accept "$(PANEL_ACCEPT)")
PIPELINE := $(PY) -m esgrisk.pipeline build $(CHAPTERS) --jobs $(JOBS) $(if $(FORCE),--force)

# One transaction: execute the chapters that changed, build the HTML, then publish executed/,
# results/ and _build/html together; a failed or interrupted run publishes nothing.
html: data
	@$(PIPELINE) $(PIPELINE_PARAMETERS)
	@echo "Open _build/html/index.html"

# Execute only (no HTML): the published build then has no _build/html.
notebooks: data
	@$(PIPELINE) --no-html $(PIPELINE_PARAMETERS)

# Paired notebooks notebooks/NN_topic.ipynb (git-ignored) for Jupyter and for papermill's command line.
ipynb: venv
	$(VENV)/bin/jupytext --set-kernel python3 --to ipynb notebooks/[0-9]*.py

# ESGRISK_STRICT=1: a missing build or browser fails the book and browser tests instead of skipping them.
test: book browser-deps pdf student
	ESGRISK_STRICT=1 $(PY) -m pytest $(PYTEST_ARGS)

bench: venv
	$(PY) scripts/bench_build.py $(BENCH_ARGS)

bench-mc: venv
	$(PY) scripts/bench_montecarlo.py

# Every panel chapter at 500, 1,000, 2,000 and 5,000 firms x 15 years: seconds, peak memory, growth exponent
bench-scale: venv
	$(PY) scripts/bench_scale.py --whole-book $(BENCH_ARGS)

clean:
	rm -rf _build executed results student .builds

clean-all: clean
	rm -rf $(VENV)

# Student notebooks (no outputs, no solutions) in student/, one per chapter of _toc.yml, and clean
# executed notebooks in _build/notebooks/; both are copied into the site (student.zip, per chapter).
student: html
	$(PY) scripts/make_student.py

# The whole book as one PDF, _build/pdf/book.pdf (and _build/html/book.pdf): a single-page build
# printed by the system Chromium (offline); checked by tests/test_pdf.py with poppler.
pdf: html browser-deps pdf-deps
	$(PY) scripts/make_pdf.py

pdf-deps:
	@command -v pdfinfo >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq poppler-utils; }

# Re-subset the shipped CJK font (book/_static/fonts) to the Chinese characters the book uses.
CJK_TTC ?= /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
font: venv
	@test -f $(CJK_TTC) || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq fonts-noto-cjk; }
	$(PY) scripts/subset_cjk_font.py --source $(CJK_TTC)

# Compare two results directories number by number: make diff-results A=published_results B=results [RTOL=1e-6]
RTOL ?= 1e-6
diff-results: venv
	@test -n "$(A)" -a -n "$(B)" || { echo "usage: make diff-results A=dir B=dir [RTOL=1e-6]"; exit 2; }
	$(PY) scripts/diff_results.py "$(A)" "$(B)" --rtol $(RTOL)

# Headless Chromium for the browser tests (Debian package; needs root or sudo).
CHROMIUM ?= /usr/bin/chromium
browser-deps:
	@if [ -x "$(CHROMIUM)" ]; then echo "[browser] $(CHROMIUM) present"; else \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; fi
