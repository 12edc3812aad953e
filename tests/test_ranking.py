"""Which article a question is about: the catalog's article search stays exact through updates
and removals, an older catalog gains it, and the ranking lifts the sentences of the article
its features favour (nothing changes with one article)."""
from __future__ import annotations

import sqlite3

from index.build import build_index, remove_articles
from index.catalog import Catalog
from qa import ranking
from test_index_scale import FakeEmbedder

HARBOUR = "Harbour bridge reopens\n\nThe harbour bridge in Port Elm reopened on Tuesday after engineers replaced 42 cables.\n"
MUSEUM = "Museum gets paintings\n\nThe city museum in Port Elm reopened on Friday with 300 new paintings.\n"
ORCHARD = "Orchard harvest\n\nApple growers near Dunmore picked a record harvest this autumn.\n"


def _catalog(store) -> Catalog:
    return Catalog(store / "catalog.sqlite", writable=False, create=False)


def _build(store, texts: dict[str, str]):
    return build_index(store, texts, workers=0, embedder=FakeEmbedder())


def test_the_article_search_finds_the_article_holding_the_words(tmp_path):
    store = tmp_path / "store"
    _build(store, {"harbour.txt": HARBOUR, "museum.txt": MUSEUM, "orchard.txt": ORCHARD})
    catalog = _catalog(store)
    try:
        matches = catalog.article_matches(["cables", "bridge"], 10)
        assert list(matches) == ["harbour.txt"] and matches["harbour.txt"] > 0
        assert set(catalog.article_matches(["reopened"], 10)) == {"harbour.txt", "museum.txt"}
        assert catalog.article_matches(["reopened"], 10, sources=["museum.txt"]).keys() == {"museum.txt"}
        assert catalog.articles_with("apple", 5) == ["orchard.txt"]
    finally:
        catalog.close()


def test_the_article_search_follows_updates_and_removals(tmp_path):
    store = tmp_path / "store"
    _build(store, {"harbour.txt": HARBOUR, "museum.txt": MUSEUM})
    _build(store, {"harbour.txt": HARBOUR.replace("42 cables", "a ferry ramp")})
    remove_articles(store, ["museum.txt"])
    catalog = _catalog(store)
    try:
        assert catalog.article_matches(["cables"], 10) == {}
        assert list(catalog.article_matches(["ferry"], 10)) == ["harbour.txt"]
        assert catalog.article_matches(["paintings"], 10) == {}
        assert catalog.articles_searchable()
        # FTS5 raises "database disk image is malformed" if its index is not exactly the table's
        catalog.db.execute("INSERT INTO documents_fts(documents_fts) VALUES('integrity-check')")
    finally:
        catalog.close()


def test_an_older_catalog_gains_the_article_search_when_next_written(tmp_path):
    store = tmp_path / "store"
    _build(store, {"harbour.txt": HARBOUR, "museum.txt": MUSEUM})
    with sqlite3.connect(store / "catalog.sqlite") as db:
        db.execute("DROP TABLE documents_fts")
    old = _catalog(store)
    try:
        assert not old.articles_searchable() and old.article_matches(["cables"], 10) == {}
    finally:
        old.close()
    _build(store, {"orchard.txt": ORCHARD})                 # any write
    catalog = _catalog(store)
    try:
        assert catalog.articles_searchable()
        assert list(catalog.article_matches(["cables"], 10)) == ["harbour.txt"]
        assert list(catalog.article_matches(["apple"], 10)) == ["orchard.txt"]
    finally:
        catalog.close()


def test_the_article_the_features_favour_lifts_its_sentences():
    model = ranking.Model({"sentence": 0.0, "article": 1.0, "share": 0.0}, 0.0, 2.0)
    sources = ["a.txt", "b.txt", "b.txt"]
    fused = [1.0, 0.9, 0.2]
    matches = {"a.txt": 1.0, "b.txt": 8.0, "c.txt": 2.0}
    lifted = ranking.lifts(sources, fused, matches, model)
    assert lifted[1] == lifted[2] > 0 > lifted[0]
    assert fused[1] + lifted[1] > fused[0] + lifted[0]     # b's sentence now comes first
    assert ranking.lifts(["a.txt", "a.txt"], fused[:2], matches, model) == [0.0, 0.0]   # one article
    assert ranking.lifts(sources, fused, matches, None) == [0.0] * 3                     # nothing fitted


def test_features_of_an_article_the_search_did_not_match_are_the_lowest():
    features = ranking.article_features(["a.txt", "b.txt"], [0.5, 0.1], {"a.txt": 3.0, "c.txt": 1.0})
    assert features["b.txt"]["article"] == min(f["article"] for f in features.values())
    assert features["a.txt"]["share"] == 0.5 and features["a.txt"]["sentence"] == 0.5
