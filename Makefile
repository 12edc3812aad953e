# Two commands do everything on a fresh machine with Python 3.11:
#   make chat   set up, index seeds/, open the chat on http://127.0.0.1:7860
#   make test   set up (packages + headless Chromium for the browser tests), run every test
# Both are idempotent: a second run skips what is already in place.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(if $(filter 0,$(shell id -u)),,sudo)
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export HF_HUB_DISABLE_TELEMETRY=1
export GRADIO_ANALYTICS_ENABLED=False

.PHONY: chat test install onnx browser index bench eval clean help

help:
	@echo "make chat   - set up, index seeds/, open the chat on http://127.0.0.1:7860"
	@echo "make test   - set up and run the whole test suite (browser tests included)"
	@echo "make bench  - speed and memory benchmark (prints a table)"
	@echo "make eval   - the blind benchmark (downloads its data into .cache/bench first; ~26 min without cached stores)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first and pinned: an unpinned torch would pull a multi-GB CUDA build (STACK.md).
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	touch $(STAMP)

# Debian's WordNet 3.0, read once into the small tables qa/lexicon.py asks. WORDNET_FILES is every
# file the build opens (qa/lexicon_build.py's WORDNET_FILES; a test keeps the lists equal), all
# carried by wordnet-base: if one is missing, (re)install that package.
WORDNET_DIR   := /usr/share/wordnet
WORDNET_FILES := $(addprefix $(WORDNET_DIR)/,data.noun data.verb data.adj data.adv \
                   index.noun index.verb index.adj index.adv noun.exc verb.exc adj.exc adv.exc)
LEXICON       := $(or $(QA_LEXICON),.cache/lexicon/wordnet-3.0.sqlite)

$(WORDNET_FILES) &:
	@echo "installing Debian's WordNet 3.0 (wordnet-base)"
	@$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --reinstall wordnet-base >/dev/null

$(LEXICON): $(STAMP) $(WORDNET_FILES) qa/lexicon.py qa/lexicon_build.py
	$(BIN)/python -m qa.lexicon_build --force --source $(WORDNET_DIR) $(LEXICON)

# The ONNX copy of MiniLM that asking and indexing run (index/embed.py), made from the packaged
# weights and checked against sentence-transformers before it is put in place; nothing is
# downloaded. Made again unless every file is there, in this version's format, made from the
# installed packages, and loads (`python -m index.onnx_export --check` says which).
onnx: $(STAMP)
	@$(BIN)/python -m index.onnx_export --check || $(BIN)/python -m index.onnx_export --export

install: $(STAMP) $(LEXICON) onnx

# Debian's Chromium for the browser tests (Playwright drives it; nothing is downloaded by
# Playwright). Checked by starting it headless as the tests do, not by its name on the PATH.
CHROMIUM      := chromium
CHROMIUM_RUNS := timeout 60 $(CHROMIUM) --headless --no-sandbox --disable-gpu --disable-background-networking \
                   --disable-component-update --disable-sync --no-first-run \
                   --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" --dump-dom about:blank >/dev/null 2>&1

browser:
	@$(CHROMIUM_RUNS) || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	@$(CHROMIUM_RUNS) || { echo "$(CHROMIUM) does not start headless (try: $(CHROMIUM) --headless --dump-dom about:blank)" >&2; exit 1; }

index: install
	$(BIN)/qa index seeds/

chat: index
	$(BIN)/qa chat

test: install browser
	$(BIN)/python -m pytest

bench: install
	$(BIN)/qa bench

eval: install
	$(BIN)/python -m qa.evaluation.data .cache/bench
	$(BIN)/qa eval --benchmark   # the table in .cache/benchmark/table; add --update-docs to refresh docs/benchmark

clean:
	rm -rf $(VENV) .store .store.lock .store.building .store.old .pytest_cache
