"""The retrieval fusion: its features and weights file (``qa.retrieve``) and the fit
(``qa.evaluation.fit_retrieval``) on small made-up questions; no store, no model."""
from __future__ import annotations

import json

import numpy as np
import pytest

from index.catalog_search import SentenceRow
from qa.evaluation import fit_retrieval as fr
from qa.evaluation.items import Item
from qa.retrieve import FEATURES, Fusion, fused_scores, fusion, fusion_features, load_fusion

ROWS = [SentenceRow("a", "s.txt", 0, 0, 20, "heading", "Bridge reopens"),
        SentenceRow("b", "s.txt", 1, 21, 80, "paragraph", "The bridge reopened on Tuesday."),
        SentenceRow("c", "s.txt", 2, 81, 140, "paragraph", "It cost 42 million."),
        SentenceRow("d", "s.txt", 3, 900, 960, "paragraph", "Trams run again.")]
BM25 = {"a": 3.0, "b": 2.0, "c": 0.5}
DENSE = {"a": 0.2, "b": 0.6, "c": 0.5, "d": 0.1}


def test_the_shipped_weights_file_names_every_feature_it_weighs():
    model = load_fusion()
    assert set(model.weights) <= set(FEATURES) and model.weights["lexical"] == 1.0
    assert model.near_chars > 0


def test_the_fused_score_is_the_weighted_sum_of_the_features():
    model = Fusion({"lexical": 1.0, "dense": 0.8, "anaphor": 0.5, "heading": -0.5, "near": 0.5}, 600)
    feats = fusion_features(ROWS, BM25, DENSE, near=[("s.txt", 21)], near_chars=600)
    assert [f["heading"] for f in feats] == [1.0, 0.0, 0.0, 0.0]
    # "It cost ..." inherits the lexical z of "The bridge reopened ..."
    assert feats[2]["anaphor"] == pytest.approx(max(0.0, feats[1]["lexical"]))
    assert feats[0]["anaphor"] == feats[1]["anaphor"] == 0.0
    assert feats[1]["near"] == 1.0 and feats[3]["near"] == 0.0
    assert 0.0 < feats[2]["near"] < 1.0
    expected = [sum(model.weights[k] * v for k, v in f.items()) for f in feats]
    assert fused_scores(ROWS, BM25, DENSE, [("s.txt", 21)], model) == pytest.approx(expected)


def test_a_weights_file_of_another_format_or_with_unknown_features_is_refused(tmp_path):
    path = tmp_path / "retrieval.json"
    path.write_text(json.dumps({"format": 99, "near_chars": 600, "weights": {}}))
    with pytest.raises(ValueError, match="format 99"):
        load_fusion(path)
    path.write_text(json.dumps({"format": 1, "near_chars": 600, "weights": {"colour": 1.0}}))
    with pytest.raises(ValueError, match="colour"):
        load_fusion(path)


def test_a_sentence_holds_the_gold_by_rationale_span_or_text():
    coqa = Item("Who?", ("Nora",), "s.txt", "answerable", rationale=(30, 50))
    squad = Item("Who?", ("Nora",), "s.txt", "answerable", gold_starts=(25,))
    plain = Item("Who?", ("Nora Finch",), "s.txt", "answerable")
    assert fr.holds_gold(coqa, 21, 80, "") and not fr.holds_gold(coqa, 50, 80, "")
    assert fr.holds_gold(squad, 21, 80, "") and not fr.holds_gold(squad, 26, 80, "")
    assert fr.holds_gold(plain, 0, 9, "Chair: nora finch.") and not fr.holds_gold(plain, 0, 9, "Nora")


def test_distance_and_nearness_follow_the_retriever():
    assert fr.distance(ROWS[3], [("s.txt", 21), ("s.txt", 1000)]) == 100
    assert fr.distance(ROWS[3], [("other.txt", 900)]) == np.inf
    near = fr.nearness(np.array([0.0, 300.0, 900.0, np.inf]), 600)
    assert near.tolist() == [1.0, 0.5, 0.0, 0.0]
    feats = fusion_features(ROWS, BM25, DENSE, near=[("s.txt", 21)], near_chars=600)
    assert [f["near"] for f in feats] == pytest.approx(fr.nearness(np.array([fr.distance(r, [("s.txt", 21)])
                                                                              for r in ROWS]), 600).tolist())


def made_up(n: int, seed: int, dense_matters: float = 2.0) -> list[fr.Question]:
    """Questions whose gold sentence is told apart by its dense score more than its lexical one."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        m = 8
        feats = np.column_stack([rng.normal(size=m), rng.normal(size=m), np.zeros(m), np.zeros(m)])
        gold = np.zeros(m, dtype=bool)
        gold[np.argmax(0.5 * feats[:, 0] + dense_matters * feats[:, 1] + rng.normal(scale=0.5, size=m))] = True
        out.append(fr.Question("made-up", f"u{k}", True, feats, np.full(m, np.inf), gold))
    return out


def test_the_fit_learns_what_tells_the_gold_apart_and_ranks_it_first_more_often():
    fit, validate = made_up(400, 1), made_up(200, 2)
    fitted = fr.fit_fusion(fit, 600)
    assert fitted.weights["lexical"] == 1.0 and fitted.weights["dense"] > 2.0
    before = Fusion({"lexical": 1.0, "dense": 0.8}, 600)
    assert fr.score(validate, fitted)["all"]["top1"] > fr.score(validate, before)["all"]["top1"]
    chosen, adopted = fr.decide(before, fitted, validate)
    assert adopted and chosen is fitted


def test_weights_that_do_not_help_on_validation_are_not_adopted():
    validate = made_up(200, 2)
    worse = Fusion({"lexical": 1.0, "dense": -1.0}, 600)
    chosen, adopted = fr.decide(fusion(), worse, validate)
    assert not adopted and chosen is fusion()


def test_ranks_and_shares_count_questions_without_a_gold_candidate_as_misses():
    q = fr.Question("s", "u", True, np.array([[2.0, 0, 0, 0], [1.0, 0, 0, 0]]), np.full(2, np.inf),
                    np.array([False, True]))
    none = fr.Question("s", "u", True, q.features, q.distance, np.array([False, False]))
    model = Fusion({"lexical": 1.0}, 600)
    assert fr.ranks(q, model) == 1 and fr.ranks(none, model) is None
    shares = fr.score([q, none], model)["all"]
    assert shares == {"questions": 2, "top1": 0.0, "top3": 0.5, "reachable": 0.5}


def test_a_kept_file_says_so_and_keeps_where_its_weights_came_from():
    current, fitted = Fusion({"lexical": 1.0, "dense": 0.8}, 600), Fusion({"lexical": 1.0, "dense": 2.0}, 300)
    previous = {"fitted_on": None, "note": "hand-set", "weights": {"lexical": 1.0, "dense": 0.8}}
    kept = fr.weights_file(current, fitted, False, {}, 10, "python -m qa.evaluation.fit_retrieval", 1.0, previous)
    assert kept["weights"] == {"lexical": 1.0, "dense": 0.8} and kept["near_chars"] == 600
    assert kept["fitted"]["weights"]["dense"] == 2.0 and "did not" in kept["kept"]
    assert kept["previous"] == {"fitted_on": None, "note": "hand-set"}
    again = fr.weights_file(current, fitted, False, {}, 10, "python -m qa.evaluation.fit_retrieval", 1.0, kept)
    assert again["previous"] == kept["previous"]      # a second run still says where they came from
    adopted = fr.weights_file(fitted, fitted, True, {}, 10, "python -m qa.evaluation.fit_retrieval", 1.0, previous)
    assert adopted["weights"]["dense"] == 2.0 and "previous" not in adopted
