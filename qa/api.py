"""``ask()``: question (+ conversation so far) -> a cited, extractive :class:`Answer`."""
from __future__ import annotations

import contextlib
import re
import threading
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

from index.store import Store, open_store
from qa import abstain, confidence, reader, summary
from qa.conversation import readings as conversation
from qa.errors import QuestionError, SourceError, VerbatimError
from qa.passage import Passage
from qa.retrieve import HybridRetriever
from qa.settings import Settings
from qa.question import analyse
from qa.types import Answer, Citation, Explanation, Span

_engines: dict[tuple[str, str | None], "Engine"] = {}
_engines_lock = threading.Lock()
KNOWN_LISTED = 20      # indexed names an unknown-source error lists


class Engine:
    """An open store plus its retriever, shared by the threads of a process.

    Before each question it checks, with two cheap reads, whether the index changed: any write
    (the catalog's generation) or a rebuild that swapped a new store into the folder (another
    catalog file). Then it reopens the store, so every open reader (a running chat) answers
    from the current index on its next question, without a restart. Questions are read side by
    side; a reopen waits for the questions being answered and holds the next ones back.
    """

    def __init__(self, path: Path, chroma_url: str | None):
        self.path, self.chroma_url = path, chroma_url
        self.store: Store | None = open_store(path, chroma_url)
        self.retriever = HybridRetriever(store=self.store)
        self._turn = threading.Condition()
        self._readers, self._reopening = 0, False

    def stale(self) -> bool:
        store = self.store
        return store is None or store.replaced() or store.catalog.generation() != store.generation

    def refresh(self) -> None:
        """Reopen the store if the index changed since it was opened."""
        with self._turn:
            self._refresh_locked()

    @contextlib.contextmanager
    def reading(self) -> Iterator["Engine"]:
        """``with eng.reading():`` the store stays as it is until the block ends."""
        with self._turn:
            self._refresh_locked()
            self._readers += 1
        try:
            yield self
        finally:
            with self._turn:
                self._readers -= 1
                self._turn.notify_all()

    def _refresh_locked(self) -> None:
        while self._reopening:
            self._turn.wait()
        if not self.stale():
            return
        self._reopening = True
        try:
            while self._readers:
                self._turn.wait()
            old, self.store = self.store, None
            fresh = old is None or old.replaced() or old.catalog.written_elsewhere()
            if old is not None:
                old.close()
            self.store = open_store(self.path, self.chroma_url, fresh=fresh)   # may raise: retried next time
            self.retriever = HybridRetriever(store=self.store)
        finally:
            self._reopening = False
            self._turn.notify_all()


def _engine(settings: Settings) -> Engine:
    key = (str(Path(settings.store).resolve()), settings.chroma_url)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = Engine(Path(key[0]), settings.chroma_url)
        return _engines[key]


def engine(settings: Settings) -> Engine:
    """The process's engine for a store, brought up to date."""
    found = _engine(settings)
    found.refresh()
    return found


@contextlib.contextmanager
def reading(settings: Settings) -> Iterator[Engine]:
    """``with reading(settings) as eng:`` the current index, unchanged until the block ends."""
    with _engine(settings).reading() as eng:
        yield eng


def forget_engines() -> None:
    """Close every open store (after a rebuild in this process, or in tests)."""
    with _engines_lock:
        for e in _engines.values():
            if e.store is not None:
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
    _check_text(text, "The question")
    return text


def _check_text(text: str, what: str) -> None:
    """Text that cannot be written as UTF-8 (a lone surrogate, e.g. from a broken JSON client)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise QuestionError(f"{what} is not valid text: it holds an unpaired surrogate character "
                            f"(U+{ord(text[exc.start]):04X}) at position {exc.start}. Type it again.") from None


def check_sources(sources: Any) -> list[str] | None:
    """None (every article), or article names: one name as a string, or a list of them."""
    if sources is None:
        return None
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, (list, tuple)) or not all(isinstance(s, str) for s in sources):
        got = type(sources).__name__ if not isinstance(sources, (list, tuple)) else \
            next(type(s).__name__ for s in sources if not isinstance(s, str))
        raise SourceError(f"sources must be article names (a list of strings, or one string), got {got}; "
                          f"`qa list` (or the /articles route) shows the names.")
    for name in sources:
        _check_text(name, f"The source name {name.encode('utf-8', 'backslashreplace').decode()!r}")
    return list(sources) or None


def _check_known(eng: Engine, sources: Sequence[str] | None) -> None:
    unknown = [s for s in dict.fromkeys(sources or []) if eng.store.catalog.document_sha(s) is None]
    if unknown:
        known = sorted(eng.store.catalog.shas())
        listed = ", ".join(known[:KNOWN_LISTED]) + (f" and {len(known) - KNOWN_LISTED:,} more"
                                                   if len(known) > KNOWN_LISTED else "")
        raise SourceError(f"No article named {', '.join(map(repr, unknown))} is indexed. Indexed: "
                          f"{listed or 'nothing yet'} (`qa list` shows them all).")


def check_history(history: Any) -> Sequence[Any] | None:
    """None, or a list of earlier turns: Answers, chat messages ({"role", "content"}) or
    (question, answer) pairs."""
    if history is None:
        return None
    if not isinstance(history, (list, tuple)) or not all(map(_is_turn, history)):
        raise QuestionError(f"The history must be a list of earlier turns: chat messages "
                            f"({{\"role\": ..., \"content\": ...}}) or Answers, got {_kind(history)}.")
    for turn in history:
        for text in _texts_of(turn):
            _check_text(text, "A message in the history")
    return history


def _is_turn(turn: Any) -> bool:
    return isinstance(turn, Answer) or (isinstance(turn, dict) and isinstance(turn.get("role"), str)) \
        or (isinstance(turn, (list, tuple)) and len(turn) == 2)


def _kind(history: Any) -> str:
    if not isinstance(history, (list, tuple)):
        return type(history).__name__
    return "a list holding " + ", ".join(sorted({type(t).__name__ for t in history}))


def _texts_of(turn: Any) -> list[str]:
    if isinstance(turn, dict):
        return [v for v in turn.values() if isinstance(v, str)]
    if isinstance(turn, (list, tuple)):
        return [v for v in turn if isinstance(v, str)]
    return []


def ask(question: str, history: Sequence[Any] | None = None, *, store: str | Path | None = None,
        sources: Sequence[str] | str | None = None, top_k: int | None = None,
        settings: Settings | None = None) -> Answer:
    """Answer ``question`` from the indexed articles, with citations. ``sources`` limits the
    articles (names as `qa list` shows them; one name may be a string); an unknown name is a
    SourceError that lists the indexed ones.

    >>> ask("Who chairs the rowing club?").text   # doctest: +SKIP
    'Nora Finch'
    """
    settings = (settings or Settings()).replace(store=store, top_k=top_k)
    typed = check_question(question, settings.max_question_chars)
    sources, history = check_sources(sources), check_history(history)
    t0 = time.perf_counter()
    whole = _whole_article(typed, history, settings, sources)   # "What is this article about?"
    if whole is not None:
        whole.timings_ms["total"] = (time.perf_counter() - t0) * 1e3
        return whole
    interpreted = conversation.interpret(typed, history)
    near = conversation.recent_places(history)
    with reading(settings) as eng:
        _check_known(eng, sources)
        answer = _answer(eng, typed, interpreted, settings, sources, near)
    answer.timings_ms["total"] = (time.perf_counter() - t0) * 1e3
    return answer


def _whole_article(typed: str, history: Sequence[Any] | None, settings: Settings,
                   sources: Sequence[str] | None) -> Answer | None:
    """The answer to a question about the article as a whole, or None for any other question."""
    request = summary.request_for(typed, history) if settings.whole_article else None
    if request is None:
        return None
    with reading(settings) as eng:
        _check_known(eng, sources)
        return summary.summarise(eng.store, request, typed, sources, history)


def _answer(eng: Engine, typed: str, interpreted: str, settings: Settings,
            sources: Sequence[str] | None, near: Sequence[tuple[str, int]]) -> Answer:
    t1 = time.perf_counter()
    referent = _referent(typed, interpreted)
    query, also = conversation.search_for(typed, interpreted, referent)
    passages = eng.retriever.passages(query, k=max(settings.top_k, settings.read_k) + 2,
                                      sources=sources, also=also, near=near, rank_articles=settings.rank_articles)
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
    own = (best.passage.text, best.start - best.passage.start, best.end - best.passage.start)
    return abstain.signals(question, evidence, dense=dense, span=best.score, stats=stats, bridges=bridges, own=own)


def _names(text: str) -> set[str]:
    """Capitalised words not at the start of the text: a cheap stand-in for proper nouns."""
    return set(re.findall(r"(?<=\s)[A-Z][a-z]{2,}", text))


def _compose(question: str, interpreted: str, passages: list[Passage], candidates: list[reader.Candidate],
             stats: abstain.WordStats, settings: Settings) -> Answer:
    interp = interpreted if interpreted != question else ""
    if not candidates:
        return Answer(question, "", False, 0.0, (), None, interp)
    best = candidates[0]
    signals = answer_signals(interpreted, passages, best, stats)
    model = confidence.model()
    evidence = confidence.Evidence(analyse(interpreted), bool(interp), candidates, passages, signals, stats.total)
    feats = confidence.features(evidence)
    score, answerable, verdict = model.verdict(feats, settings.answer_threshold)
    why = _explanation(model, feats, signals, evidence, settings, answerable)
    span = Span(best.passage.source, best.start, best.end)
    others = [p for p in passages if p != best.passage]
    if verdict == "absent":
        closest = tuple(_citation(p) for p in passages[: settings.top_k])
        return Answer(question, "", False, score, closest, None, interp, verdict=verdict,
                      guess=best.text, guess_span=span, explanation=why)
    citations = (_citation(best.passage),) + tuple(_citation(p) for p in others[: settings.top_k - 1])
    if verdict == "unsure":
        return Answer(question, "", False, score, citations, None, interp, verdict=verdict,
                      guess=best.text, guess_span=span, explanation=why)
    return Answer(question, best.text, True, score, citations, span, interp, verdict=verdict, explanation=why)


def _explanation(model: confidence.Model, feats: dict[str, float], signals: abstain.Signals,
                 evidence: confidence.Evidence, settings: Settings, answerable: float) -> Explanation:
    threshold = model.threshold if settings.answer_threshold is None else settings.answer_threshold
    return Explanation(features=tuple((k, round(v, 4)) for k, v in feats.items()),
                       contributions=tuple((k, round(v, 4)) for k, v in model.correct.contributions(feats).items()),
                       words=signals.words, wanted=evidence.question.answer_type,
                       got=reader.span_label(evidence.best), answerable=round(answerable, 4), threshold=threshold,
                       answerable_threshold=model.policy.answerable)


def warm_up(settings: Settings | None = None) -> None:
    """Load what the first question needs (spaCy, the query encoder, the WordNet tables, the
    fitted models, the store), so that a front end says it is ready only when it is. A missing or damaged store is
    left for the first question to report, in its own words."""
    from index import nlp
    from index.embed import Embedder
    from qa import lexicon
    from qa.reader.model import model

    nlp.pipeline()
    Embedder().warm_up_questions()
    lexicon.related("warm")   # opens the WordNet tables
    model()
    confidence.model()
    try:
        engine(settings or Settings())
    except VerbatimError:
        pass
