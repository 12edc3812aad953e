"""Short documents (``qa.evaluation.windows``) on small made-up SQuAD- and CoQA-shaped files."""
from __future__ import annotations

import collections
import random

import pytest
from made_up_bench import coqa_story, squad_article, write_coqa, write_squad

from qa.evaluation import benchmark, sample, windows
from qa.evaluation.items import PRONOUNS, origin, present
from qa.evaluation.sample import SetSpec


@pytest.fixture
def squad_dir(tmp_path):
    articles = [squad_article(n, paragraphs=2 + n % 7) for n in range(30)]
    write_squad(tmp_path / "made_up.json", articles)
    return tmp_path


@pytest.fixture
def coqa_dir(tmp_path):
    write_coqa(tmp_path / "coqa.json", [coqa_story(n, "race") for n in range(12)])
    return tmp_path


def short(name="made_up/short", kind="articles", file="made_up.json", size=30, **kw) -> SetSpec:
    return SetSpec(name, "validate", kind, file, size, short=True, **kw)


def test_a_window_is_one_to_four_paragraphs_and_never_the_whole_article(squad_dir):
    units = sample.units(short(), squad_dir)
    by_article = collections.defaultdict(list)
    for unit in units:
        (doc, text), = unit.docs                       # indexed alone: one document per store
        first, last = map(int, unit.name.split("#")[1].split("-"))
        by_article[origin(unit.name)].append((first, last))
        paragraphs = 2 + int(origin(unit.name).split("_")[1]) % 7
        assert 1 <= last - first + 1 <= min(4, paragraphs - 1)
        assert len(text.split()) <= windows.MAX_WORDS and text.count("\n\n") == last - first
        assert all(item.source == doc for item in unit.items)
    for ranges in by_article.values():                  # several windows of one article never overlap
        ranges.sort()
        assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:]))
    assert len(units) > len(by_article)                # some articles give more than one window


def test_the_three_kinds_come_at_the_stated_rates(squad_dir):
    items = [i for u in sample.units(short(), squad_dir) for i in u.items]
    counts = collections.Counter(i.kind for i in items)
    assert set(counts) == {"answerable", "near", "other"}
    for kind, rate in windows.RATES.items():
        assert counts[kind] / len(items) == pytest.approx(rate, abs=0.03)


def test_answerable_golds_lie_in_the_window_and_unanswerable_ones_do_not(squad_dir):
    article_of = {}
    for n in range(30):
        for p in squad_article(n, 2 + n % 7)["paragraphs"]:
            for qa in p["qas"]:
                article_of[qa["question"]] = (f"Town_{n}_ferries", [a["text"] for a in qa["answers"]])
    for unit in sample.units(short(), squad_dir):
        (_, text), = unit.docs
        for item in unit.items:
            article, golds = article_of[item.question]
            if item.kind == "answerable":
                assert item.gold_starts and all(text[s:].startswith(item.golds[0]) for s in item.gold_starts)
            else:                                       # near: same article, other: another one
                assert (article == origin(unit.name)) == (item.kind == "near")
                assert not present(golds, text)


def test_coqa_windows_ask_standalone_turns_with_their_rationale_in_the_window(coqa_dir):
    spec = short("coqa-race/short", "coqa", "coqa.json", size=12, coqa_source="race")
    units = sample.units(spec, coqa_dir)
    gold_of = {q["input_text"]: a["input_text"] for n in range(12) for q, a in
               zip(coqa_story(n, "race")["questions"], coqa_story(n, "race")["answers"])}
    kinds = collections.Counter(i.kind for u in units for i in u.items)
    assert kinds["answerable"] and kinds["near"] and kinds["other"]
    assert kinds["unknown"] == len({origin(u.name) for u in units})   # each story's unknown turn, once
    for unit in units:
        (_, text), = unit.docs
        for item in unit.items:
            assert not item.conversation                # asked alone, no history
            assert not PRONOUNS.search(item.question) or item.kind == "unknown"
            if item.kind == "answerable":
                start, end = item.rationale             # relative to the window
                assert text[start:end].endswith(f"was {item.golds[0]}.")
            elif item.kind in ("near", "other"):
                assert not present([gold_of[item.question]], text) and item.rationale is None


def test_story_blocks_join_short_paragraphs_and_cut_one_paragraph_stories_at_sentences():
    text = "Short line.\n\n" + "word " * 70 + "end.\n\nAnother short one."
    assert windows.story_blocks(text) == [(0, len(text))]     # one block: every piece is too short alone
    one = ". ".join(f"Sentence {k} has " + "many words here " * 4 for k in range(12)) + "."
    blocks = windows.story_blocks(one)
    assert len(blocks) >= 2 and blocks[0][0] == 0 and blocks[-1][1] == len(one)
    assert all(len(one[a:b].split()) >= windows.MIN_BLOCK_WORDS for a, b in blocks)


def test_window_ranges_are_seeded():
    words = [100] * 40
    assert windows.window_ranges(words, random.Random(3)) == windows.window_ranges(words, random.Random(3))
    assert windows.window_ranges([50], random.Random(0)) == [(0, 1)]   # a one-paragraph article: itself


def test_short_sets_take_their_whole_sets_articles_first_and_exclusion_covers_both(squad_dir):
    whole = SetSpec("made_up", "fit", "articles", "made_up.json", 5, 4)
    windowed = SetSpec("made_up/short", "fit", "articles", "made_up.json", 8, short=True, base_size=5)
    whole_units = sample.units(whole, squad_dir)
    short_units = sample.units(windowed, squad_dir)
    assert {u.name for u in whole_units} <= {origin(u.name) for u in short_units}
    taken = frozenset(u.name for u in whole_units + short_units)
    again = sample.units(windowed, squad_dir, seed=1, exclude=taken) + sample.units(whole, squad_dir, seed=1, exclude=taken)
    assert not {origin(u.name) for u in again} & {origin(n) for n in taken}


def test_every_set_has_its_short_rows_in_the_same_split():
    names = {s.name: s for s in sample.SETS}
    for spec in sample.SETS:
        if spec.kind != "posts" and not spec.short:
            assert names[spec.name + "/short"].split == spec.split
    fit = {s.name for s in benchmark.chosen_sets("fit")}
    assert {"nyt-fit/short", "coqa-cnn-fit/short", "squaddev/short"} <= fit   # the fit command asks them too
    assert sample.short_sets() >= {"reddit", "amazon_reviews", "new_wiki/short", "nyt-validate/short"}
