"""What the question asks for (qa/reader/asked.py): the whole name, the whole list, the whole
description, a measure with its unit. Made-up sentences, one each (none from the seed)."""
from __future__ import annotations

import pytest

from qa.passage import Passage
from qa.question import analyse
from qa.reader import asked, extract, read


def _passage(sentence: str) -> Passage:
    return Passage("news.txt", 0, len(sentence), sentence, "paragraph", 0, 1.0, 5.0, 0.5, 0)


def _features(question: str, sentence: str) -> dict[str, dict[str, float]]:
    return {c.text: dict(c.features) for c in extract(question, [_passage(sentence)])}


# the three shapes of issue 19, on made-up sentences
SHAPES = [
    ("Which moons did it pass?", "On its way it passed two moons: Phobos and Deimos.", "Phobos and Deimos"),
    ("Which planets did the comet pass?", "On the way the comet passed two planets: Mars and Jupiter.", "Mars and Jupiter"),
    ("Which rocket launched the probe?", "The probe lifted off aboard a Falcon 9 rocket from Cape Canaveral on Monday.",
     "Falcon 9"),
    ("Which rocket carried the satellite?", "The satellite flew aboard an Ariane 5 rocket from Kourou last week.",
     "Ariane 5"),
    ("Who is Tom Reyes?", "Tom Reyes, a cousin of the two fishermen, said the launch was loud.",
     "cousin of the two fishermen"),
    ("Who is Ana Ruiz?", "Ana Ruiz, a sister of the two climbers, said the storm came suddenly.",
     "sister of the two climbers"),
]


# Still missed after the refit (qa/fitted/reader.json weighs every feature of asked.py), each
# with why: strict, so a change that fixes one must un-list it. Their variants above pass.
MISSES = {
    "Which moons did it pass?": '"two" (expected F1 0.54 against 0.35): the count before the plural noun, '
                                'backed by "two moons" and "passed two moons", outweighs the listed names',
    "Which rocket launched the probe?": '"Falcon": "Falcon" and "Falcon 9" tie at 0.62 expected F1 '
                                        '(gen:focus_modifiers weighs -0.15 on the fit split)',
    "Who is Tom Reyes?": '"cousin" (0.80 against 0.54): every longer description holds the head noun, so expected '
                         'F1 favours it over the whole phrase',
    "Who is Ana Ruiz?": '"sister", as "cousin" above',
}


def _case(question, sentence, expected):
    if question in MISSES:
        return pytest.param(question, sentence, expected,
                            marks=pytest.mark.xfail(strict=True, reason=MISSES[question]))
    return (question, sentence, expected)


@pytest.mark.parametrize("question, sentence, expected", [_case(*case) for case in SHAPES])
def test_the_whole_name_list_and_description(question, sentence, expected):
    assert read(question, [_passage(sentence)])[0].text == expected


def test_a_plural_focus_asks_for_the_list_and_the_count_is_no_instance():
    feats = _features("Which moons did it pass?", "On its way it passed two moons: Phobos and Deimos.")
    assert analyse("Which moons did it pass?").focus_plural and not analyse("Which rocket flew?").focus_plural
    assert feats["Phobos and Deimos"]["inst:listed"] == 1.0 and feats["Phobos and Deimos"]["list|plural"] == 1.0
    assert feats["Phobos and Deimos"]["gen:focus_instances"] == 1.0
    assert feats["two"]["inst:count"] == 1.0


@pytest.mark.parametrize("question, sentence, span, relation", [
    ("Which rocket flew?", "A Falcon 9 rocket flew.", "Falcon 9", "modifier"),
    ("What ship sank in 1912?", "The ship, called the Northern Star, sank in 1912.", "Northern Star", "listed"),
    ("Which paintings were sold?", "Several paintings, such as Low Tide and Night Ferry, were sold.",
     "Low Tide and Night Ferry", "listed"),
    ("What is the council's new project?", "The council's new project is a bridge over the river.",
     "bridge over the river", "copula"),
])
def test_the_focus_nouns_mentions_point_at_its_instances(question, sentence, span, relation):
    assert _features(question, sentence)[span][f"inst:{relation}"] == 1.0


def test_an_entity_label_is_read_as_a_wordnet_class_the_focus_falls_under():
    feats = _features("Which city did the ferry leave?", "The ferry left Dover at noon.")
    assert feats["Dover"]["label_under_focus"] == 1.0          # GPE -> location, and a city is a location
    assert feats["noon"]["label_not_under_focus"] == 1.0


def test_who_is_x_marks_the_description_whole_or_in_part():
    assert asked.asks_description(analyse("Who is Tom Reyes?"))
    assert not asked.asks_description(analyse("Who is the mayor?"))    # a name is asked for
    feats = _features("Who is Tom Reyes?", "Tom Reyes, a cousin of the two fishermen, said the launch was loud.")
    assert feats["cousin of the two fishermen"]["desc|whole"] == 1.0 and feats["cousin"]["desc|part"] == 1.0
    assert feats["cousin"]["desc:appos"] == 1.0


@pytest.mark.parametrize("text, kind", [
    ("three weeks", "duration"), ("May 4", "calendar"), ("1998", "calendar"), ("12 miles", "distance"),
    ("$4 million", "money"), ("twice", "frequency"), ("40", "number"), ("harbour", "none"),
])
def test_a_measure_is_read_with_its_unit(text, kind):
    sentence = f"It was {text}."
    span = [c for c in extract("How long was it?", [_passage(sentence)]) if c.text == text]
    assert span and span[0].features.get(f"unit:{kind}|how-long") == 1.0, (text, span and span[0].features)


def test_closeness_is_read_at_several_fade_lengths():
    """The fitted weights choose the fade: each closeness feature at 2, 4 and 8 words (4 keeps
    the old name) and the tree's at 1, 2 and 4 edges; a longer fade never reads a word as farther."""
    feats = _features("Which rocket launched the probe?",
                      "The probe lifted off aboard a Falcon 9 rocket from Cape Canaveral on Monday.")["Cape Canaveral"]
    for name in ("near", "near_left", "near_right", "near_related"):
        assert {name, f"{name}~2", f"{name}~8"} <= feats.keys()
        assert feats[f"{name}~2"] <= feats[name] <= feats[f"{name}~8"]
    assert {"tree", "tree~1", "tree~4"} <= feats.keys() and feats["tree~1"] <= feats["tree"] <= feats["tree~4"]
    assert feats["near~8"] > 0
