"""The answer types that flow unchanged from ``qa`` to every front end.

An :class:`Answer` is what :func:`qa.ask` returns; the CLI, the chat and the evaluators only
render or score it. Offsets are the single truth: ``citation.quote`` is always
``document_text[citation.start:citation.end]`` of the cited source.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Citation:
    """A verbatim passage of an indexed document, located by ``[start, end)`` offsets."""

    source: str  # the document's name, e.g. "harbour-storm.txt"
    start: int
    end: int
    quote: str  # == document_text[start:end]
    score: float = 0.0  # retrieval relevance, higher is better

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Span:
    """Where the answer text itself lies in its source (inside ``citations[0]``)."""

    source: str
    start: int
    end: int


@dataclass(frozen=True)
class Explanation:
    """Why the confidence is what it is: the confidence model's named inputs and what each
    contributed (weight x value, in log-odds), where each question word was found, and the
    answer type wanted and found."""

    features: tuple[tuple[str, float], ...] = ()
    contributions: tuple[tuple[str, float], ...] = ()
    words: tuple[tuple[str, str], ...] = ()   # (question word, where it was found)
    wanted: str = ""      # the answer type the question asks for ("PERSON", "DATE", ...)
    got: str = ""         # the answer's type (entity label) or "" when it carries none
    answerable: float = 0.0  # the probability that the article answers the question at all
    threshold: float = 0.0   # an answer is given when the confidence, P(correct), is at least this
    answerable_threshold: float = 0.0   # below it (and below ``threshold``): "Not in the article"

    def to_dict(self) -> dict[str, Any]:
        return {"features": dict(self.features), "contributions": dict(self.contributions),
                "words": dict(self.words), "wanted": self.wanted, "got": self.got,
                "answerable": round(self.answerable, 4), "threshold": round(self.threshold, 4),
                "answerable_threshold": round(self.answerable_threshold, 4)}


VERDICTS = ("answer", "unsure", "absent", "summary")
# What the confidence means, in the words a person reads beside it.
ASSESSMENTS = {"answer": "likely right", "unsure": "unsure: a guess", "absent": "probably not in the article",
               "summary": "the article's own words"}
SURE = 0.9   # from this P(correct) an answer reads "very likely right"


def shown_words(answer: Any) -> str:
    """The words a person sees: the answer, the "Not sure" guess, or none ("Not in the
    article"). Takes an ``Answer`` or any object with ``verdict``/``text``/``guess``."""
    verdict = getattr(answer, "verdict", "")
    return (getattr(answer, "guess", "") if verdict == "unsure" else
            getattr(answer, "text", "") if verdict in ("answer", "summary", "") else "") or ""


@dataclass(frozen=True)
class Answer:
    """An extractive answer: a verbatim span plus the sentences that support it.

    ``confidence`` is the estimated probability that the answer (or, when withheld, the guess)
    is right, P(correct); the answer is given only when it reaches the fitted threshold (see
    ``qa.confidence``). ``verdict`` says what a front end shows:

    - ``"answer"`` (``found``): ``text``/``span`` is the answer, ``citations[0]`` its sentence;
    - ``"unsure"``: the article probably answers but the span is doubtful; ``text`` is empty,
      ``guess``/``guess_span`` hold the tentative span, shown as "Not sure" inside its sentence
      (``citations[0]``);
    - ``"absent"``: the article probably does not answer ("Not in the article"); ``citations``
      hold the closest passages so a person can look for themselves (the guess is kept for
      evaluation).
    - ``"summary"`` (``found``): a question about the article as a whole (``qa.summary``);
      ``summary_kind`` says what it gives ("gist", "points", "byline", "date", "source"),
      ``citations`` are the article's own sentences in its order, ``text`` the same as plain text.
      There is no P(correct) and no threshold: ``confidence`` is 1.0, the words are the article's.
    """

    question: str
    text: str
    found: bool
    confidence: float
    citations: tuple[Citation, ...] = ()
    span: Span | None = None
    interpreted: str = ""  # the question as the system read it (conversation context)
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)
    verdict: str = ""      # "answer" / "unsure" / "absent"; "" means derived from ``found``
    guess: str = ""        # the best span when the answer is withheld, else ""
    guess_span: Span | None = None
    explanation: Explanation | None = field(default=None, compare=False)
    summary_kind: str = ""  # for a whole-article question: "gist" / "points" / "byline" / "date" / "source"

    def __post_init__(self) -> None:
        if not self.verdict:
            object.__setattr__(self, "verdict", "answer" if self.found else "absent")
        if self.verdict not in VERDICTS or (self.verdict in ("answer", "summary")) != self.found:
            raise ValueError(f"verdict {self.verdict!r} does not fit found={self.found}")

    @property
    def assessment(self) -> str:
        """The verdict and confidence in words: "likely right", "unsure: a guess", ..."""
        if self.verdict == "answer" and self.confidence >= SURE:
            return "very likely right"
        return ASSESSMENTS[self.verdict]

    @property
    def shown_words(self) -> str:
        """The words a person sees (see :func:`shown_words`)."""
        return shown_words(self)

    @property
    def best_text(self) -> str:
        """The answer, or the withheld guess: what "answer every question" would show."""
        return self.text if self.found else self.guess

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "interpreted": self.interpreted or self.question,
            "text": self.text,
            "found": self.found,
            "confidence": round(self.confidence, 4),
            "span": dataclasses.asdict(self.span) if self.span else None,
            "citations": [c.to_dict() for c in self.citations],
            "verdict": self.verdict,
            "assessment": self.assessment,
            "guess": ({"text": self.guess, "span": dataclasses.asdict(self.guess_span)}
                      if self.guess_span else None),
            "explanation": self.explanation.to_dict() if self.explanation else None,
            "summary_kind": self.summary_kind or None,
        }
