"""A candidate span as the features see it: tokens of a parsed sentence, the passage they
come from, the question's alignment with the sentence and what proposed the span."""
from __future__ import annotations

from dataclasses import dataclass

from qa.passage import Passage
from qa.question import Question
from qa.reader.align import Alignment


@dataclass(frozen=True)
class Span:
    """One candidate: tokens ``[i, j)`` of a parsed sentence, with what proposed it."""

    doc: object
    i: int
    j: int
    generators: frozenset[str]
    passage: Passage
    align: Alignment
    label: str          # entity label when the span is (mostly) one named entity, else ""
    root: object        # the span's syntactic head token

    @property
    def q(self) -> Question:
        return self.align.q

    @property
    def tokens(self) -> list:
        return self.align.tokens[self.i:self.j]
