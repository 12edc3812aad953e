# Two commands do everything on a fresh machine with Python 3.11:
#   make chat   set up, index seeds/, open the chat on http://127.0.0.1:7860
#   make test   set up (packages + headless Chromium for the browser tests), run every test
# Both are idempotent: a second run skips what is already in place.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ONNX   := $(VENV)/share/verbatim/all-MiniLM-L6-v2-onnx/encoder.json
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export HF_HUB_DISABLE_TELEMETRY=1
export GRADIO_ANALYTICS_ENABLED=False

.PHONY: chat test install browser index bench eval clean help

help:
	@echo "make chat   - set up, index seeds/, open the chat on http://127.0.0.1:7860"
	@echo "make test   - set up and run the whole test suite (browser tests included)"
	@echo "make bench  - speed and memory benchmark (prints a table)"
	@echo "make eval   - the blind benchmark (downloads its data into .cache/bench first; ~15 min)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first and pinned: an unpinned torch would pull a multi-GB CUDA build (STACK.md).
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	touch $(STAMP)

# Debian's WordNet 3.0, read once through NLTK into the small tables qa/lexicon.py asks.
WORDNET := /usr/share/wordnet/data.noun
LEXICON := .cache/lexicon/wordnet-3.0.sqlite

$(WORDNET):
	@echo "installing Debian's WordNet 3.0 (wordnet-base)"
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wordnet-base >/dev/null

$(LEXICON): $(STAMP) $(WORDNET) qa/lexicon.py
	$(BIN)/python -m qa.lexicon --force

# The ONNX copy of MiniLM that asking and indexing run (index/embed.py), made from the packaged
# weights and checked against sentence-transformers before it is put in place; nothing is downloaded.
$(ONNX): $(STAMP)
	$(BIN)/python -m index.embed --export

install: $(STAMP) $(LEXICON) $(ONNX)

# Debian's Chromium for the browser tests (Playwright drives it; nothing is downloaded by Playwright).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

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
	$(BIN)/qa eval --benchmark

clean:
	rm -rf $(VENV) .store .store.lock .store.building .store.old .pytest_cache
