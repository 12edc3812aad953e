"""Sentences carry exact offsets; pull-quotes and bylines give none."""
from __future__ import annotations

import pytest

from conftest import SEED_ARTICLE
from index.normalise import normalise
from index.split import split_sentences


@pytest.fixture(scope="module")
def seed():
    doc = normalise(SEED_ARTICLE.read_text(encoding="utf-8"))
    return doc, split_sentences(doc)


def test_every_sentence_is_its_offsets(seed):
    doc, sentences = seed
    assert len(sentences) > 30
    for s in sentences:
        assert doc.text[s.start:s.end] == s.text
    assert [s.position for s in sentences] == list(range(len(sentences)))


def test_no_sentence_comes_from_a_pull_quote_or_byline(seed):
    doc, sentences = seed
    excluded = [b for b in doc.blocks if b.kind in ("pullquote", "byline")]
    assert len(excluded) == 4
    for s in sentences:
        assert not any(b.start <= s.start < b.end for b in excluded)


def test_rejoined_paragraph_is_one_sentence(seed):
    _, sentences = seed
    assert any(s.text.startswith("They also were charged with conspiracy to launder funds")
               and s.text.endswith("conspiracy to carry out an illegal enterprise.") for s in sentences)
