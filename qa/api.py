"""``ask()``: question (+ conversation so far) -> a cited, extractive :class:`Answer`."""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any, Sequence

from index.store import Store, open_store
from qa import abstain, reader
from qa.conversation import readings as conversation
from qa.errors import QuestionError
from qa.passage import Passage
from qa.retrieve import HybridRetriever
from qa.settings import Settings
from qa.types import Answer, Citation, Span

_engines: dict[tuple[str, str | None], "Engine"] = {}
_engines_lock = threading.Lock()


class Engine:
    """An open store plus its retriever; reopened when another process changed the index."""

    def __init__(self, path: Path, chroma_url: str | None):
        self.path, self.chroma_url = path, chroma_url
        self.store: Store = open_store(path, chroma_url)
        self.retriever = HybridRetriever(store=self.store)

    def refresh(self) -> None:
        if self.store.catalog.generation() != self.store.generation:
            fresh = self.store.catalog.written_elsewhere()
            self.store.close()
            self.store = open_store(self.path, self.chroma_url, fresh=fresh)
            self.retriever = HybridRetriever(store=self.store)


def engine(settings: Settings) -> Engine:
    key = (str(Path(settings.store).resolve()), settings.chroma_url)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = Engine(Path(key[0]), settings.chroma_url)
        found = _engines[key]
    found.refresh()
    return found


def forget_engines() -> None:
    """Close every open store (after a rebuild in this process, or in tests)."""
    with _engines_lock:
        for e in _engines.values():
            e.store.close()
        _engines.clear()


def check_question(question: Any, max_chars: int) -> str:
    if not isinstance(question, str):
        raise QuestionError(f"A question must be text, got {type(question).__name__}.")
    text = " ".join(question.split())
    if not text:
        raise QuestionError("The question is empty. Type a question about the article, e.g. "
                            "\"Who was elected?\".")
    if len(text) > max_chars:
        raise QuestionError(f"The question is {len(text):,} characters long; the limit is {max_chars:,}. "
                            f"Ask one short question at a time.")
    return text


def ask(question: str, history: Sequence[Any] | None = None, *, store: str | Path | None = None,
        sources: Sequence[str] | None = None, top_k: int | None = None,
        settings: Settings | None = None) -> Answer:
    """Answer ``question`` from the indexed articles, with citations.

    >>> ask("Who chairs the rowing club?").text   # doctest: +SKIP
    'Nora Finch'
    """
    settings = (settings or Settings()).replace(store=store, top_k=top_k)
    typed = check_question(question, settings.max_question_chars)
    t0 = time.perf_counter()
    interpreted = conversation.interpret(typed, history)
    eng = engine(settings)
    near = conversation.recent_places(history)
    answer = _answer(eng, typed, interpreted, settings, sources, near)
    answer.timings_ms["total"] = (time.perf_counter() - t0) * 1e3
    return answer


def _answer(eng: Engine, typed: str, interpreted: str, settings: Settings,
            sources: Sequence[str] | None, near: Sequence[tuple[str, int]]) -> Answer:
    t1 = time.perf_counter()
    referent = _referent(typed, interpreted)
    query, also = conversation.search_for(typed, interpreted, referent)
    passages = eng.retriever.passages(query, k=max(settings.top_k, settings.read_k) + 2,
                                      sources=sources, also=also, near=near)
    t2 = time.perf_counter()
    stats = word_stats(eng, interpreted, sources)
    candidates = reader.read(interpreted, passages[: settings.read_k], idf=stats.idf_by_lemma(), context=passages)
    if conversation.read_as_typed(typed, interpreted, referent):
        as_typed = reader.read(typed, passages[: settings.read_k], idf=stats.idf_by_lemma(),
                               context=passages, referent=referent)
        candidates = conversation.merge_readings(candidates, as_typed, typed, interpreted, referent)
    t3 = time.perf_counter()
    answer = _compose(typed, interpreted, passages, candidates, stats, settings)
    answer.timings_ms.update({"retrieve": (t2 - t1) * 1e3, "read": (t3 - t2) * 1e3})
    return answer


def _referent(typed: str, interpreted: str) -> reader.Referent | None:
    """What may stand for the typed question's pronoun or demonstrative (see ``conversation.readings``)."""
    parts = conversation.referent_parts(typed, interpreted)
    return reader.Referent(*parts) if parts else None


def _citation(p: Passage) -> Citation:
    return Citation(p.source, p.start, p.end, p.text, round(p.score, 4))


def word_stats(eng: Engine, question: str, sources: Sequence[str] | None = None) -> abstain.WordStats:
    """How often each content word of the question occurs in the searched articles."""
    words = abstain.content_lemmas(question)
    frequencies, total = eng.store.catalog.document_frequencies(list(words.values()), sources)
    return abstain.WordStats(words, frequencies, total)


def answer_signals(question: str, passages: Sequence[Passage], best: reader.Candidate,
                   stats: abstain.WordStats) -> abstain.Signals:
    """The abstention signals for the reader's best candidate (evidence: its sentence and neighbours)."""
    evidence = [p.text for p in passages if p.source == best.passage.source
                and abs(p.position - best.passage.position) <= 1] or [best.passage.text]
    names = _names(best.passage.text)
    described = reader.described_noun(best.passage.text)   # "The operator, Alder Lines, ..."
    describing = [p for p in passages if p.source == best.passage.source and p is not best.passage
                  and described and f"the {described}" in p.text.lower()]
    bridges = [p.text for p in passages if p.source == best.passage.source and p.text not in evidence
               and (names & _names(p.text) or p in describing)]
    # a sentence that only names "the operator" is as close to the question as those describing it
    dense = max([best.passage.dense] + [p.dense for p in describing])
    return abstain.signals(question, evidence, dense=dense, span=best.score, stats=stats, bridges=bridges)


def _names(text: str) -> set[str]:
    """Capitalised words not at the start of the text: a cheap stand-in for proper nouns."""
    return set(re.findall(r"(?<=\s)[A-Z][a-z]{2,}", text))


def _compose(question: str, interpreted: str, passages: list[Passage], candidates: list[reader.Candidate],
             stats: abstain.WordStats, settings: Settings) -> Answer:
    interp = interpreted if interpreted != question else ""
    if not candidates:
        return Answer(question, "", False, 0.0, (), None, interp)
    best = candidates[0]
    confidence = answer_signals(interpreted, passages, best, stats).confidence()
    found = confidence >= settings.abstain_below
    others = [p for p in passages if p != best.passage]
    if not found:
        closest = tuple(_citation(p) for p in passages[: settings.top_k])
        return Answer(question, "", False, confidence, closest, None, interp)
    citations = (_citation(best.passage),) + tuple(_citation(p) for p in others[: settings.top_k - 1])
    return Answer(question, best.text, True, confidence, citations,
                  Span(best.passage.source, best.start, best.end), interp)
