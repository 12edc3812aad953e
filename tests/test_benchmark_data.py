"""Unpacking the benchmark data without the held-out material, and the fixed halves of the news.

Everything runs on a small made-up archive shaped like bigbench's; only the held-out list's
identifiers (titles, story ids) are real, and they carry no benchmark text.
"""
from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest
from conftest import ROOT
from made_up_bench import coqa_story, squad_article, write_coqa, write_squad

from qa.errors import BenchmarkDataError
from qa.evaluation import data, news, sample
from qa.evaluation.sample import SetSpec

HELD = news.held_out()


def test_the_committed_held_out_list_is_the_shared_one():
    shared = ROOT.parent / "shared" / "heldout.json"
    if not shared.exists():
        pytest.skip("no ../shared/heldout.json beside this clone")
    assert json.loads(news.HELD_OUT_FILE.read_text(encoding="utf-8")) == json.loads(shared.read_text(encoding="utf-8"))


def test_the_held_out_list_holds_identifiers_only():
    raw = json.loads(news.HELD_OUT_FILE.read_text(encoding="utf-8"))
    assert set(raw) == {"about", news.NYT_KEY, news.CNN_KEY}
    assert len(HELD["nyt"]) == 30 and len(HELD["cnn"]) == 20
    assert all(t.startswith("https://www.nytimes.com/") for t in HELD["nyt"])


def _nyt_articles(extra: int = 6) -> list[dict]:
    titles = sorted(HELD["nyt"]) + [f"https://www.nytimes.com/2015/01/0{n}/made-up-{n}.html" for n in range(extra)]
    return [squad_article(n, 2, title=t) for n, t in enumerate(titles)]


def _coqa_stories() -> list[dict]:
    held = [coqa_story(n, "cnn", 2, story_id=i) for n, i in enumerate(sorted(HELD["cnn"]))]
    return held + [coqa_story(100 + n, source, 2) for n, source in enumerate(["cnn", "cnn", "race", "reddit"])]


def _archive(path, nyt: list[dict], stories: list[dict]):
    """A tar.gz laid out as bigbench's, with made-up files."""
    contents = {inside: {"version": "1.0", "data": [squad_article(0, 2)]} for inside in data.FILES.values()}
    contents[data.FILES["squad_shifts/nyt_v1.0.json"]] = {"version": "1.0", "data": nyt}
    contents[data.FILES["coqa/coqa.test.json"]] = {"version": "1.0", "data": stories}
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for inside, content in contents.items():
            raw = json.dumps(content).encode("utf-8")
            info = tarfile.TarInfo(data.INSIDE + inside)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))


@pytest.fixture
def bench(tmp_path):
    _archive(tmp_path / "bench" / "dl" / data.ARCHIVE, _nyt_articles(), _coqa_stories())
    return tmp_path / "bench"


def test_held_out_material_is_dropped_while_unpacking(bench):
    data.fetch(bench)                                   # the archive is there: nothing is downloaded
    data.require(bench)
    nyt = json.loads((bench / "squad_shifts/nyt_v1.0.json").read_text(encoding="utf-8"))["data"]
    coqa = json.loads((bench / "coqa/coqa.test.json").read_text(encoding="utf-8"))["data"]
    assert len(nyt) == 6 and len(coqa) == 4
    written = "".join(p.read_text(encoding="utf-8") for p in bench.rglob("*.json"))
    assert not any(key in written for key in HELD["nyt"] | HELD["cnn"])


def test_unpacking_is_idempotent_and_redone_when_the_filter_changes(bench):
    data.fetch(bench)
    nyt = bench / "squad_shifts/nyt_v1.0.json"
    before = nyt.stat().st_mtime_ns
    data.fetch(bench)
    assert nyt.stat().st_mtime_ns == before             # up to date: nothing rewritten
    marker = bench / data.MARKER
    marker.write_text(json.dumps({"format": data.FORMAT, "held_out": "another list"}), encoding="utf-8")
    with pytest.raises(BenchmarkDataError, match="another held-out list"):
        data.require(bench)
    nyt.write_text("{}", encoding="utf-8")
    data.fetch(bench)
    assert len(json.loads(nyt.read_text(encoding="utf-8"))["data"]) == 6
    assert json.loads(marker.read_text(encoding="utf-8")) == data.expected_marker()


def test_a_list_that_does_not_match_the_archive_fails_before_writing_its_file(tmp_path):
    bench = tmp_path / "bench"
    _archive(bench / "dl" / data.ARCHIVE, _nyt_articles()[1:], _coqa_stories())   # one held-out title missing
    with pytest.raises(BenchmarkDataError, match="dropped 29 held-out entries"):
        data.fetch(bench)
    assert not (bench / "squad_shifts/nyt_v1.0.json").exists() and not (bench / data.MARKER).exists()


def test_the_halves_follow_a_fixed_rule():
    for key in ("https://www.nytimes.com/2015/01/01/a.html", "3abc", "story-7"):
        even = hashlib.sha256(key.encode("utf-8")).digest()[0] % 2 == 0
        assert news.half(key) == ("fit" if even else "validate")
    assert news.half("3abc") == news.half("3abc") == "validate"         # pinned: never moves
    assert news.half("https://www.nytimes.com/2015/01/01/a.html") == "fit"
    shares = [news.half(f"key-{n}") for n in range(2000)]
    assert 0.45 < shares.count("fit") / len(shares) < 0.55


def test_no_held_out_item_is_in_either_half_even_from_an_unfiltered_file(tmp_path):
    write_squad(tmp_path / "nyt.json", _nyt_articles(40))             # as if unpacked without the filter
    write_coqa(tmp_path / "coqa.json", _coqa_stories() + [coqa_story(200 + n, "cnn", 2) for n in range(20)])
    halves = {}
    for half in ("fit", "validate"):
        nyt = SetSpec(f"nyt-{half}", half, "articles", "nyt.json", 100, 5, half=half)
        cnn = SetSpec(f"cnn-{half}", half, "coqa", "coqa.json", 100, coqa_source="cnn", half=half)
        titles = {a["title"] for a in sample.articles(nyt, tmp_path / "nyt.json")}
        ids = {s.id for s in sample.stories(cnn, tmp_path / "coqa.json")}
        assert not titles & HELD["nyt"] and not ids & HELD["cnn"]
        assert all(news.half(k) == half for k in titles | ids)
        halves[half] = titles | ids
        for spec in (nyt, cnn, SetSpec(f"nyt-{half}/short", half, "articles", "nyt.json", 100, half=half, short=True)):
            assert sample.units(spec, tmp_path)
    assert not halves["fit"] & halves["validate"] and len(halves["fit"] | halves["validate"]) == 40 + 22
