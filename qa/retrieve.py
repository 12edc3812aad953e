"""Hybrid retrieval: BM25 (SQLite FTS5) and dense MiniLM similarity (Chroma), fused.

Each retriever proposes its top ``retrieve_k`` sentences; the union is scored by both (the dense
query goes ``DENSE_DEPTH`` times deeper to score lexical-only hits), the two scores are
z-normalised over the union and added. ``HybridRetriever`` is a LangChain retriever, so it
plugs into LangChain chains; ``passages()`` is the typed path ``ask()`` uses.

The fused score weighs named features (``fusion_features``: lexical and dense z-scores, what a
sentence opening with a pronoun inherits from the one before, a heading flag, nearness to the
conversation's last answer) by the weights in ``qa/fitted/retrieval.json``, written by
``python -m qa.evaluation.fit_retrieval``.
"""
from __future__ import annotations

import functools
import json
import statistics
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from index import nlp
from index.catalog import SentenceRow
from qa import ranking
from qa.passage import Passage, first_word

FUSION_FILE = Path(__file__).resolve().parent / "fitted" / "retrieval.json"
FUSION_FORMAT = 1
FEATURES = ("lexical", "dense", "anaphor", "heading", "near")
DENSE_DEPTH = 3             # Chroma returns this many times retrieve_k neighbours: their similarities
                            # score the lexical hits too; a lexical hit deeper still gets the last one's
                            # (fetching its stored vector costs more than the whole vector query)
ANAPHORS = frozenset("it its he his him she her they their them this these that those such both".split())


def query_terms(question: str) -> list[str]:
    """Content words of the question, surface and lemma: "Who was charged?" -> ["charged",
    "charge"]. Adding WordNet's synonyms of the verb or derivations of the words ranked the
    sentence holding the answer lower on the validation split, so the query stays literal
    (README, "What WordNet adds")."""
    terms: list[str] = []
    for tok in nlp.parse(question):
        if tok.is_stop or tok.is_punct or tok.is_space or not any(ch.isalnum() for ch in tok.text):
            continue
        terms.append(tok.text.lower())
        if tok.lemma_ and tok.lemma_.lower() != tok.text.lower():
            terms.append(tok.lemma_.lower())
    return terms


def _zscores(values: Sequence[float]) -> list[float]:
    if len(values) < 2:
        return [0.0 for _ in values]
    mean, spread = statistics.fmean(values), statistics.pstdev(values)
    return [(v - mean) / spread if spread > 1e-9 else 0.0 for v in values]


@dataclass(frozen=True)
class Found:
    """What the two retrievers found for a question, before ranking."""
    rows: list[SentenceRow]
    bm25: dict[str, float]
    dense: dict[str, float]
    fused: list[float]
    matches: dict[str, float] | None   # the article search's, when several articles


class HybridRetriever(BaseRetriever):
    """``retriever.invoke("Who is ...?")`` -> LangChain Documents with offsets in metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Any                      # index.store.Store
    k: int = 5
    retrieve_k: int = 40
    sources: list[str] | None = None

    def passages(self, question: str, k: int | None = None, sources: Sequence[str] | None = None, *,
                 also: Sequence[str] = (), near: Sequence[tuple[str, int]] = (),
                 rank_articles: bool = True) -> list[Passage]:
        """Best sentences for ``question``.

        ``also``: other readings of the same question (the words as typed, when the conversation
        rewrote them); their words and meaning join the query. ``near``: (source, offset) of the
        passages the conversation was just about; sentences close to them get a small bonus.
        ``rank_articles``: lift the sentences of the article the question is most likely about
        (``qa/ranking.py``; only when they come from several articles).
        """
        k = k or self.k
        fitted = ranking.model() if rank_articles else None
        found = self.candidates(question, sources, also=also, near=near, rank=fitted is not None)
        if found is None:
            return []
        rows, scores = found.rows, found.fused
        if found.matches is not None:
            lifted = ranking.lifts([r.source for r in rows], scores, found.matches, fitted)
            scores = [f + lift for f, lift in zip(scores, lifted)]
        top = _passages(rows, scores, found.bm25, found.dense)[:k]
        by_place = {(r.source, r.position): r for r in rows}
        self.store.load_parses([by_place[(p.source, p.position)] for p in top])   # the reader parses none of them
        return top

    def candidates(self, question: str, sources: Sequence[str] | None = None, *,
                   also: Sequence[str] = (), near: Sequence[tuple[str, int]] = (), rank: bool = True
                   ) -> Found | None:
        """The sentences either retriever proposes, with both scores and their fused score; with
        ``rank``, when they come from several articles, the article search's matches too (what
        the ranking reads)."""
        sources = list(sources) if sources else self.sources
        texts = [question, *[t for t in also if t and t != question]]
        # The query embedding (onnxruntime, one thread) runs beside the parse and the FTS5 search.
        embedding = _embedding_thread().submit(self.store.embedder.embed_queries, texts)
        terms = [term for text in texts for term in query_terms(text)]
        lexical = self.store.catalog.search(terms, self.retrieve_k, sources)
        vector = _mean_direction(embedding.result())
        hits = self.store.vectors.query(vector, DENSE_DEPTH * self.retrieve_k, sources)
        rows = {row.chunk_id: row for row, _ in lexical}
        rows.update(self.store.catalog.sentences_by_chunk_ids(
            [h.chunk_id for h in hits[:self.retrieve_k] if h.chunk_id not in rows]))  # drops unreferenced vectors
        if not rows:
            return None
        dense = {h.chunk_id: h.similarity for h in hits}
        floor = min(dense.values(), default=0.0)   # lexical hits deeper than the dense list
        for cid in rows:
            dense.setdefault(cid, floor)
        bm25 = {row.chunk_id: score for row, score in lexical}
        found = list(rows.values())
        several = rank and len({r.source for r in found}) > 1
        matches = self.store.catalog.article_matches(terms, ranking.MATCHED, sources) if several else None
        return Found(found, bm25, dense, fused_scores(found, bm25, dense, near), matches)

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [Document(page_content=p.text, metadata=p.__dict__.copy()) for p in self.passages(query)]


@functools.lru_cache(maxsize=1)
def _embedding_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-embedding")


def _mean_direction(vectors: Sequence[Sequence[float]]) -> list[float]:
    mean = np.mean(np.asarray(vectors, dtype=np.float32), axis=0)
    return (mean / (np.linalg.norm(mean) or 1.0)).tolist()


@dataclass(frozen=True)
class Fusion:
    """The fused score's weights over ``FEATURES`` (lexical is 1: the others are in its z units)
    and ``near_chars``, how far (in characters) nearness to the last answer fades out."""
    weights: Mapping[str, float]
    near_chars: float

    def score(self, features: Mapping[str, float]) -> float:
        return sum(self.weights.get(name, 0.0) * value for name, value in features.items())


def load_fusion(path: Path = FUSION_FILE) -> Fusion:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != FUSION_FORMAT:
        raise ValueError(f"{path} has format {data.get('format')!r}, this version reads {FUSION_FORMAT}; "
                         f"refit with `python -m qa.evaluation.fit_retrieval`.")
    unknown = set(data["weights"]) - set(FEATURES)
    if unknown:
        raise ValueError(f"{path} weighs unknown features {sorted(unknown)}; known: {', '.join(FEATURES)}.")
    return Fusion(dict(data["weights"]), float(data["near_chars"]))


@functools.lru_cache(maxsize=1)
def fusion() -> Fusion:
    """The fusion weights, read once per process."""
    return load_fusion()


def _nearness(row: SentenceRow, near: Sequence[tuple[str, int]], fade: float) -> float:
    """1 for the sentence the conversation was about, fading to 0 ``fade`` characters away."""
    best = 0.0
    for source, offset in near:
        if source == row.source:
            best = max(best, 1.0 - min(abs(row.start - offset), fade) / fade)
    return best


def fusion_features(rows: list[SentenceRow], bm25: dict[str, float], dense: dict[str, float],
                    near: Sequence[tuple[str, int]] = (), near_chars: float | None = None) -> list[dict[str, float]]:
    """Each sentence's features: lexical and dense z-scores over the sentences found; for a
    sentence opening with a pronoun ("It attributed the deaths ..."), the previous sentence's
    lexical z-score (when positive); 1 for a heading or title (they repeat a paragraph's words
    without saying much); nearness to the conversation's last answer."""
    fade = fusion().near_chars if near_chars is None else near_chars
    zlex = _zscores([bm25.get(r.chunk_id, 0.0) for r in rows])
    zden = _zscores([dense.get(r.chunk_id, 0.0) for r in rows])
    by_place = {(r.source, r.position): z for r, z in zip(rows, zlex)}
    inherited = [max(0.0, by_place.get((r.source, r.position - 1), 0.0)) if first_word(r.text) in ANAPHORS
                 else 0.0 for r in rows]
    return [{"lexical": zl, "dense": zd, "anaphor": inh, "heading": 0.0 if r.kind == "paragraph" else 1.0,
             "near": _nearness(r, near, fade)}
            for r, zl, zd, inh in zip(rows, zlex, zden, inherited)]


def fused_scores(rows: list[SentenceRow], bm25: dict[str, float], dense: dict[str, float],
                 near: Sequence[tuple[str, int]] = (), model: Fusion | None = None) -> list[float]:
    """Each sentence's score: its features weighed by the fitted fusion weights."""
    model = model or fusion()
    return [model.score(f) for f in fusion_features(rows, bm25, dense, near, model.near_chars)]


def _passages(rows: list[SentenceRow], fused: list[float], bm25: dict[str, float],
              dense: dict[str, float]) -> list[Passage]:
    lo, hi = min(fused), max(fused)
    order = sorted(range(len(rows)), key=lambda i: -fused[i])
    return [Passage(source=rows[i].source, start=rows[i].start, end=rows[i].end, text=rows[i].text,
                    kind=rows[i].kind, position=rows[i].position,
                    score=(fused[i] - lo) / (hi - lo) if hi > lo else 1.0,
                    lexical=bm25.get(rows[i].chunk_id, 0.0), dense=dense.get(rows[i].chunk_id, 0.0), rank=rank)
            for rank, i in enumerate(order)]
