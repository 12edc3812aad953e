"""Evaluators that score :class:`qa.types.Answer` objects against benchmark data.

``squad``  SQuAD-format sets (official v1.1 EM/F1, citation recall, retrieval recall@k).
"""
from qa.evaluation.squad import evaluate_squad, format_report

__all__ = ["evaluate_squad", "format_report"]
