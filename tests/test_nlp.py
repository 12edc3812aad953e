"""spaCy is loaded without torch (index/nlp.py says why) and parses exactly as it does with it."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, SEED_ARTICLE

pytestmark = pytest.mark.slow

PARSE = """
import json, sys
{before}
from index import nlp
doc = nlp.parse_long(open({article!r}, encoding="utf-8").read())
print(json.dumps({{"torch": "torch" in sys.modules, "tokens": [
    [t.text, t.tag_, t.pos_, t.dep_, t.head.i, t.lemma_, t.ent_iob_, t.ent_type_, t.is_sent_start]
    for t in doc]}}))
"""


def parse_in_fresh_process(before: str = "") -> dict:
    code = PARSE.format(before=before, article=str(SEED_ARTICLE))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout)


def test_spacy_loads_without_torch_and_parses_the_same_as_with_it():
    without = parse_in_fresh_process()
    with_torch = parse_in_fresh_process("import torch")
    assert without["torch"] is False and with_torch["torch"] is True
    assert len(without["tokens"]) > 500
    assert without["tokens"] == with_torch["tokens"]


def test_torch_can_still_be_imported_after_spacy():
    code = ("import sys; from index import nlp; nlp.pipeline(); assert 'torch' not in sys.modules; "
            "import torch; print(torch.tensor([1, 2]).sum().item())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "3"
