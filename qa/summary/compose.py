"""A whole-article request -> an :class:`~qa.types.Answer` with verdict ``"summary"``.

Every sentence shown is a citation of the article's own words (offsets into the document text);
with several articles in scope there is one part per article (at most ``MAX_ARTICLES``), each
labelled with its article's name in ``text`` and carrying its name in its citations.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from index.catalog import DocumentRecord
from index.split import Sentence
from qa.summary import choose, facts
from qa.summary.cues import Request
from qa.types import Answer, Citation, Span

MAX_ARTICLES = 5
READ_AS = {"gist": "What is {name} about?", "points": "What are the main points of {name}?",
           "byline": "Who wrote {name}?", "date": "When was {name} published?", "source": "Where is {name} from?"}
ARTICLE_NOUNS = ("article", "story", "piece", "text", "report", "one")


def scope_of(store: Any, sources: Sequence[str] | None) -> list[str]:
    """The articles asked about, in the order given (or the catalog's order)."""
    return list(dict.fromkeys(sources)) if sources else [d.source for d in store.catalog.documents()]


def pick(store: Any, request: Request, scope: Sequence[str], before: Sequence[str]) -> str | None:
    """The one article a follow-up names: by its place in the scope ("the second"), as "the other"
    one (not among ``before``, the articles of the previous answer), or by words of its name or title."""
    if request.other:
        rest = [s for s in scope if s not in before]
        return rest[0] if len(scope) > 1 and rest else None
    if request.ordinal is not None:
        return scope[request.ordinal] if -len(scope) <= request.ordinal < len(scope) and len(scope) > 1 else None
    words = [w for w in request.words.split() if w not in ARTICLE_NOUNS]
    titles = {d.source: d.title for d in store.catalog.documents()}
    named = [s for s in scope if words and all(w in f"{s} {titles.get(s, '')}".lower() for w in words)]
    return named[0] if len(named) == 1 else None


def answer_whole(store: Any, request: Request, question: str, scope: Sequence[str], interpreted: str = "") -> Answer:
    """The gist, the main points, or a fact of each article in ``scope``."""
    parts = [(source, _part(store.catalog.record(source), request.kind, store)) for source in scope[:MAX_ARTICLES]]
    citations = tuple(c for _, cites in parts for c in cites)
    if not citations:
        return Answer(question, "", False, 0.0, (), None, interpreted, verdict="absent", summary_kind=request.kind)
    text = _plain(parts, len(scope), request.kind)
    span = Span(citations[0].source, citations[0].start, citations[0].end) if request.kind in facts.FINDERS \
        and len(citations) == 1 else None
    return Answer(question, text, True, 1.0, citations, span, interpreted, verdict="summary", summary_kind=request.kind)


def _part(record: DocumentRecord | None, kind: str, store: Any) -> list[Citation]:
    if record is None:
        return []
    if kind in facts.FINDERS:
        fact = facts.FINDERS[kind](record.text, record.blocks)
        return [_cite(record, fact.start, fact.end)] if fact else []
    sentences = sentences_of(record)
    paragraphs = [(lo, hi) for kind_, lo, hi in record.blocks if kind_ == "paragraph"]
    if kind == "gist":
        chosen = choose.gist(sentences, paragraphs)
    else:
        vectors = _vectors(store, record)
        chosen = [sentences[i] for i in choose.main_points(sentences, vectors, k=choose.points_for(len(sentences)))]
    return [_cite(record, s.start, s.end) for s in chosen]


def sentences_of(record: DocumentRecord) -> list[Sentence]:
    return [Sentence(start, end, record.text[start:end], kind, position)
            for _, position, start, end, kind in record.sentences]


def _vectors(store: Any, record: DocumentRecord) -> np.ndarray:
    """The sentence vectors the index holds for the article (embedded again if one is missing)."""
    stored = store.vectors.vectors(record.chunk_ids)
    missing = [i for i, cid in enumerate(record.chunk_ids) if cid not in stored]
    rows = [stored.get(cid) for cid in record.chunk_ids]
    if missing:
        texts = [record.text[record.sentences[i][2]:record.sentences[i][3]] for i in missing]
        for i, vector in zip(missing, store.embedder.embed_documents(texts)):
            rows[i] = np.asarray(vector, dtype=np.float32)
    return np.vstack(rows) if rows else np.zeros((0, 1), dtype=np.float32)


def _cite(record: DocumentRecord, start: int, end: int) -> Citation:
    return Citation(record.source, start, end, record.text[start:end])


def _plain(parts: list[tuple[str, list[Citation]]], in_scope: int, kind: str) -> str:
    """The answer as plain text: the quotes, labelled by article when there are several."""
    def joined(cites: list[Citation]) -> str:
        return " ".join(" ".join(c.quote.split()) for c in cites) if cites else "Not in the article."

    if len(parts) == 1:
        return joined(parts[0][1])
    lines = [f"{source}: {joined(cites)}" for source, cites in parts]
    if in_scope > len(parts):
        lines.append(f"(and {in_scope - len(parts)} more articles: choose one to ask about it)")
    return "\n".join(lines)
