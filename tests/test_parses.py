"""Parses stored at indexing: each sentence parsed once, alone, exactly as the reader would
parse it; asking reads them back and parses only the question. An older store without them
answers the same, and `qa index` with nothing to add parses its sentences once."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import SEED_ARTICLE
from index import nlp, parses
from index.build import build_index
from index.doctor import examine
from index.store import open_store
from qa.api import ask, forget_engines
from qa.evaluation.regression import load_cases
from qa.settings import Settings

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _tokens(doc):
    return ([(t.text, t.idx, t.tag_, t.pos_, t.lemma_, t.dep_, t.head.i, t.ent_type_, t.ent_iob_,
              t.is_sent_start, str(t.morph)) for t in doc],
            [(c.start, c.end) for c in doc.noun_chunks], [(s.start, s.end) for s in doc.sents])


class PipeRecorder:
    """The real pipeline, recording every text it is asked to parse."""

    def __init__(self, real):
        self.real, self.texts = real, []

    def pipe(self, texts, *args, **kwargs):
        texts = list(texts)
        self.texts += texts
        return self.real.pipe(texts, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def recorded(monkeypatch):
    recorder = PipeRecorder(nlp.pipeline())
    monkeypatch.setattr(nlp, "pipeline", lambda: recorder)
    return recorder


def _sentences(store: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(store / "catalog.sqlite") as db:
        return db.execute("SELECT chunk_id, text FROM sentences ORDER BY position").fetchall()


def test_a_stored_parse_is_the_parse_of_the_sentence_alone(seed_store):
    rows = _sentences(seed_store)
    store = open_store(seed_store)
    try:
        stored = store.catalog.parses([cid for cid, _ in rows])
        assert store.parses_readable
    finally:
        store.close()
    assert set(stored) == {cid for cid, _ in rows}
    for cid, text in rows:
        assert _tokens(parses.decode(stored[cid])) == _tokens(nlp.pipeline()(text)), text


def _answers(store: Path, readable: bool) -> list[dict]:
    """Every regression question asked with an empty parse cache, the stored parses read or not."""
    settings = Settings(store=store, chroma_url=None)
    out = []
    for case in load_cases():
        nlp.forget()
        from qa.api import engine

        engine(settings).store.parses_readable = readable
        answer = ask(case.question, settings=settings)
        out.append(answer.to_dict() | {"timings_ms": None})
    return out


def test_answers_on_the_seed_are_the_same_with_and_without_stored_parses(seed_store):
    forget_engines()
    try:
        assert _answers(seed_store, True) == _answers(seed_store, False)
    finally:
        forget_engines()
        nlp.forget()


def test_asking_parses_the_question_and_no_stored_sentence(seed_store, recorded):
    forget_engines()
    nlp.forget()
    sentences = {text for _, text in _sentences(seed_store)}
    try:
        answer = ask("Who is the editor-in-chief of Sputnik Azerbaijan?", store=seed_store)
    finally:
        forget_engines()
        nlp.forget()
    assert answer.citations and recorded.texts
    assert not sentences & set(recorded.texts), "a stored sentence was parsed again"


def _make_old(store: Path) -> None:
    """What a store indexed before parses were stored looks like: no parses, no parser named."""
    with sqlite3.connect(store / "catalog.sqlite") as db:
        db.execute("DROP TABLE parses")
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop(parses.MANIFEST_KEY)
    (store / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_an_older_store_answers_and_qa_index_gives_it_its_parses(tmp_path):
    store = tmp_path / "store"
    build_index(store, [SEED_ARTICLE])
    question = "Who is the editor-in-chief of Sputnik Azerbaijan?"
    before = ask(question, store=store)
    forget_engines()
    _make_old(store)
    nlp.forget()
    old = ask(question, store=store)
    forget_engines()
    assert (old.text, old.verdict, old.citations) == (before.text, before.verdict, before.citations)
    notes = " ".join(f.text for f in examine(store))
    assert "no stored parse" in notes and "qa --store" in notes and "index" in notes
    assert not any(f.problem for f in examine(store))      # slower, not damaged

    report = build_index(store, [])
    assert report.parsed == len(_sentences(store)) and "parsed and stored" in report.summary()
    assert json.loads((store / "manifest.json").read_text())[parses.MANIFEST_KEY] == parses.parser_version()
    assert build_index(store, []).parsed == 0               # once
    reopened = open_store(store)
    try:
        assert reopened.parses_readable
        assert len(reopened.catalog.parses([cid for cid, _ in _sentences(store)])) == len(_sentences(store))
    finally:
        reopened.close()


def test_parses_of_another_parser_are_not_read_and_are_made_again(tmp_path):
    store = tmp_path / "store"
    build_index(store, [SEED_ARTICLE])
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    (store / "manifest.json").write_text(json.dumps(manifest | {parses.MANIFEST_KEY: "spacy 2.0"}), encoding="utf-8")
    opened = open_store(store)
    try:
        assert not opened.parses_readable
    finally:
        opened.close()
    assert "another parser" in " ".join(f.text for f in examine(store))
    assert build_index(store, []).parsed == len(_sentences(store))
