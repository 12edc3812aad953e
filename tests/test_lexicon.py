"""WordNet through the tables `make install` builds (qa/lexicon.py): no NLTK when asking."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT
from qa import lexicon
from qa.errors import LexiconMissingError


@pytest.mark.parametrize("word, related, how", [
    ("die", "death", "derivation"), ("operate", "operator", "derivation"), ("own", "owner", "derivation"),
    ("purchase", "buy", "synonym"), ("own", "possess", "synonym"),
])
def test_related_words(word, related, how):
    assert lexicon.related(word)[related] == how


def test_hypernyms_type_nouns():
    assert lexicon.is_kind_of("guitar", "instrument")
    assert lexicon.is_kind_of("sedan", "car") and lexicon.is_kind_of("car", "vehicle")
    assert not lexicon.is_kind_of("guitar", "vehicle")
    assert lexicon.supersense("minister") == "person" and lexicon.supersense("city") == "location"
    assert lexicon.verb_supersense("say") == "communication"


def test_unknown_words_are_simply_unrelated():
    assert lexicon.related("qwzx") == {} and lexicon.kinds("qwzx") == frozenset() and lexicon.supersense("qwzx") == ""


def test_a_missing_table_says_how_to_build_it(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_LEXICON", str(tmp_path / "none.sqlite"))
    lexicon._db.cache_clear()
    try:
        with pytest.raises(LexiconMissingError, match="make install"):
            lexicon._db()
    finally:
        monkeypatch.undo()
        lexicon._db.cache_clear()


def test_asking_the_tables_imports_no_nltk():
    code = "import sys, qa.lexicon as l; l.related('die'); l.kinds('car'); print('nltk' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
