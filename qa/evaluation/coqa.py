"""CoQA evaluation: conversations over short stories, asked in order, with and without history.

Each story is indexed on its own (like any article: normalised, split, embedded) and its
questions are asked in order. With history, every question gets the system's *own* earlier
``Answer`` objects as ``history`` (never the gold answers), exactly as a person chatting would.

Scores, on the questions whose gold answer is not yes / no / unknown (an extractive system
cannot say "yes"; those turns are still asked, so they stay in the history):

    f1          token F1, CoQA/SQuAD normalisation, max over ``answer`` and ``additional_answers``
    em          exact match, same normalisation
    rationale   the first citation overlaps the gold rationale span (offsets in the story)
    f1_first / f1_later    F1 of the first turn / of follow-up turns (where history can matter)
    yes_no      on the turns answered "yes" or "no": F1 of the answer (or guess) against the
                rationale, the clause that settles the question (what an extractive answer can show)
    reread      share of questions whose ``interpreted`` differs from what was typed

The held-out ``cnn`` stories (``qa/evaluation/heldout.json``) are never unpacked and are dropped
here too; the other ``cnn`` stories are split between fit and validation (``news.half``): the
sources ``cnn:fit`` and ``cnn:validate`` are those halves. Example::

    report = evaluate_coqa(".cache/bench/coqa/coqa.test.json", source="wikipedia", stories=20,
                           use_history="both")
    print(format_report(report))
"""
from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from index.normalise import normalise
from qa.evaluation.squad import best_over_golds, exact_match, f1_score
from qa.text import normalize_answer
from qa.types import Answer

AskFn = Callable[[str, Sequence[Answer] | None], Answer]   # (question, history) -> Answer
Opener = Callable[[str, str], AskFn]                       # (name, story text) -> AskFn
SOURCES = ("wikipedia", "race", "mctest", "gutenberg", "science", "reddit", "cnn")
HALVED = ("cnn",)   # split between fit and validation by ``news.half``
YES_NO = frozenset({"yes", "no"})
UNSCORED = YES_NO | {"unknown"}
MODES = {True: ("history",), False: ("no_history",), "both": ("history", "no_history")}


@dataclass(frozen=True)
class Turn:
    number: int
    question: str
    golds: tuple[str, ...]        # the answer first, then the additional answers
    rationale: tuple[int, int] | None   # offsets into the normalised story; None when not located

    @property
    def scored(self) -> bool:
        return normalize_answer(self.golds[0]) not in UNSCORED

    @property
    def yes_no(self) -> bool:
        return answered_yes_no(self.golds)


def answered_yes_no(golds: Sequence[str]) -> bool:
    """The gold answer is "yes" or "no", which no span can be (the rationale can)."""
    return bool(golds) and normalize_answer(golds[0]) in YES_NO


@dataclass(frozen=True)
class Story:
    id: str
    source: str
    text: str                     # normalised story text, the one the index stores
    turns: tuple[Turn, ...]


# --- loading ---------------------------------------------------------------------------

def load_stories(path: str | Path, source: str | Sequence[str] = "wikipedia",
                 stories: int | None = None) -> list[Story]:
    """The first ``stories`` stories of ``source`` (file order), the held-out ones dropped.
    A source may be one half of the news stories: ``"cnn:fit"``, ``"cnn:validate"``."""
    from qa.evaluation.news import is_held_out

    wanted = _sources(source)
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    chosen = [raw for raw in data if _is_wanted(raw, wanted) and not is_held_out(raw["id"])]
    if stories is not None:
        chosen = chosen[:stories]
    return [_story(raw) for raw in chosen]


def source_name(source: str, half: str = "") -> str:
    """How a half of a source is named: ``source_name("cnn", "fit") == "cnn:fit"``."""
    return f"{source}:{half}" if half else source


def split_source(name: str) -> tuple[str, str]:
    """``"cnn:fit"`` -> ``("cnn", "fit")``; ``"race"`` -> ``("race", "")`` (the whole source)."""
    from qa.evaluation.news import FIT, VALIDATE

    source, _, half = name.partition(":")
    if half and source not in HALVED:
        raise ValueError(f"Only {', '.join(HALVED)} is split in halves, not {source!r} (in {name!r}).")
    if half not in ("", FIT, VALIDATE):
        raise ValueError(f"Unknown half {half!r} in {name!r}; choose {FIT!r} or {VALIDATE!r}.")
    return source, half


def _sources(source: str | Sequence[str]) -> frozenset[tuple[str, str]]:
    """The (source, half) pairs asked for; half "" is the whole source."""
    names = SOURCES if source == "all" else [source] if isinstance(source, str) else list(source)
    pairs = frozenset(split_source(name) for name in names)
    unknown = {s for s, _ in pairs} - set(SOURCES)
    if unknown:
        raise ValueError(f"Unknown CoQA source {sorted(unknown)[0]!r}; choose from {', '.join(SOURCES)} or 'all'.")
    return pairs


def _is_wanted(raw: dict, pairs: frozenset[tuple[str, str]]) -> bool:
    from qa.evaluation.news import half

    return any(raw["source"] == source and (not wanted or half(raw["id"]) == wanted) for source, wanted in pairs)


def _story(raw: dict) -> Story:
    text = normalise(raw["story"]).text
    extra = raw.get("additional_answers", {}).values()
    turns = []
    for i, (question, answer) in enumerate(zip(raw["questions"], raw["answers"])):
        golds = [answer["input_text"]] + [a[i]["input_text"] for a in extra if i < len(a)]
        turns.append(Turn(question["turn_id"], question["input_text"].strip(),
                          tuple(dict.fromkeys(g for g in golds if g.strip())) or ("unknown",),
                          _locate(text, answer.get("span_text", ""), answer.get("span_start", -1))))
    return Story(raw["id"], raw["source"], text, tuple(turns))


def _locate(text: str, span: str, raw_start: int) -> tuple[int, int] | None:
    """The rationale's occurrence in the normalised story nearest to its raw offset."""
    span = " ".join(span.split())
    if len(span) < 2 or raw_start < 0:
        return None
    pattern = r"\s+".join(re.escape(word) for word in span.split())
    hits = [(m.start(), m.end()) for m in re.finditer(pattern, text)]
    return min(hits, key=lambda h: abs(h[0] - raw_start)) if hits else None


# --- running ---------------------------------------------------------------------------

def default_opener(name: str, text: str) -> AskFn:  # pragma: no cover - needs the full pipeline
    """Index the story into its own temporary store and answer with ``qa.api.ask``.

    Every scored CoQA question has an answer in the story, so every answer is scored, withheld
    or not (its guess), as in the SQuAD evaluation: the scores measure the answers, with and
    without history.
    """
    import tempfile

    from index.build import build_index
    from qa.api import ask, forget_engines
    from qa.settings import Settings

    tmp = tempfile.TemporaryDirectory(prefix="verbatim-coqa-")
    build_index(Path(tmp.name) / "store", {name: text})
    settings = Settings(store=Path(tmp.name) / "store")

    class _Story:
        def __call__(self, question: str, history: Sequence[Answer] | None) -> Answer:
            return ask(question, history=history, settings=settings)

        def close(self) -> None:
            forget_engines()
            tmp.cleanup()

    return _Story()


def evaluate_coqa(path: str | Path, source: str | Sequence[str] = "wikipedia", stories: int | None = None,
                  use_history: bool | str = True, ask_fn: Opener | None = None) -> dict:
    """Ask every story's questions in order; ``use_history="both"`` runs both modes on one index."""
    if use_history not in MODES:
        raise ValueError(f"use_history must be True, False or 'both', got {use_history!r}")
    opener = ask_fn or default_opener
    rows: dict[str, list[dict]] = {mode: [] for mode in MODES[use_history]}
    for story in load_stories(path, source, stories):
        ask = opener(f"coqa-{story.id}.txt", story.text)
        try:
            for mode in rows:
                rows[mode] += _run_story(story, ask, with_history=mode == "history")
        finally:
            close = getattr(ask, "close", None)
            if callable(close):
                close()
    meta = {"dataset": Path(path).name, "source": source if isinstance(source, str) else list(source),
            "stories": len({r["story"] for mode_rows in rows.values() for r in mode_rows})}
    return {"meta": meta, "modes": {mode: summarise(mode_rows) for mode, mode_rows in rows.items()}}


def _run_story(story: Story, ask: AskFn, with_history: bool) -> list[dict]:
    history: list[Answer] = []
    rows = []
    for turn in story.turns:
        t0 = time.perf_counter()
        answer = ask(turn.question, list(history) if with_history else None)
        latency = (time.perf_counter() - t0) * 1000
        history.append(answer)
        rows.append(score_turn(story, turn, answer, latency))
    return rows


def score_turn(story: Story, turn: Turn, answer: Answer, latency_ms: float = 0.0) -> dict:
    predicted = answer.best_text
    cited = answer.citations[0] if answer.citations else None
    overlap = None
    if turn.rationale is not None and cited is not None:
        overlap = cited.start < turn.rationale[1] and turn.rationale[0] < cited.end
    settled = None
    if turn.rationale is not None and turn.yes_no:
        settled = f1_score(predicted, story.text[turn.rationale[0]:turn.rationale[1]])
    return {
        "story": story.id, "source": story.source, "turn": turn.number, "question": turn.question,
        "interpreted": answer.interpreted or answer.question, "prediction": predicted,
        "golds": list(turn.golds), "scored": turn.scored, "found": answer.found,
        "f1": best_over_golds(f1_score, predicted, turn.golds),
        "em": best_over_golds(exact_match, predicted, turn.golds),
        "rationale": overlap, "settled": settled, "latency_ms": latency_ms,
    }


def summarise(rows: Sequence[dict]) -> dict:
    scored = [r for r in rows if r["scored"]]
    located = [r for r in scored if r["rationale"] is not None]

    def mean(values: Sequence[float]) -> float:
        return round(statistics.fmean(values), 4) if values else 0.0

    return {
        "questions": len(rows), "scored": len(scored),
        "f1": mean([r["f1"] for r in scored]), "em": mean([r["em"] for r in scored]),
        "f1_first": mean([r["f1"] for r in scored if r["turn"] == 1]),
        "f1_later": mean([r["f1"] for r in scored if r["turn"] > 1]),
        "found": mean([float(r["found"]) for r in scored]),
        "rationale": mean([float(r["rationale"]) for r in located]), "rationale_located": len(located),
        "yes_no": mean([r["settled"] for r in rows if r.get("settled") is not None]),
        "yes_no_turns": sum(1 for r in rows if r.get("settled") is not None),
        "reread": mean([float(r["interpreted"] != r["question"]) for r in rows]),
        "latency_ms": mean([r["latency_ms"] for r in rows]),
        "rows": list(rows),
    }


def format_report(report: dict) -> str:
    meta = report["meta"]
    lines = [f"CoQA {meta['dataset']}  source={meta['source']}  stories={meta['stories']}",
             f"{'mode':<12}{'questions':>10}{'scored':>8}{'F1':>8}{'EM':>8}{'F1 t1':>8}"
             f"{'F1 t>1':>8}{'found':>8}{'rationale':>11}{'yes/no':>8}{'reread':>8}{'ms/q':>8}"]
    for mode, s in report["modes"].items():
        lines.append(f"{mode:<12}{s['questions']:>10}{s['scored']:>8}{s['f1']:>8.3f}{s['em']:>8.3f}"
                     f"{s['f1_first']:>8.3f}{s['f1_later']:>8.3f}{s['found']:>8.2f}"
                     f"{s['rationale']:>11.2f}{s['yes_no']:>8.3f}{s['reread']:>8.2f}{s['latency_ms']:>8.0f}")
    lines.append("F1/EM on questions whose gold answer is not yes/no/unknown (max over the answers); "
                 "rationale = first citation overlaps the gold rationale span; yes/no = F1 of the "
                 "answer to a yes/no turn against its rationale (the clause that settles it).")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:  # pragma: no cover - thin wrapper
    import argparse

    parser = argparse.ArgumentParser(description="CoQA evaluation, with and without history.")
    parser.add_argument("path", help="coqa.test.json")
    parser.add_argument("--source", default="wikipedia", help="a CoQA source, 'all', or a half of cnn: 'cnn:fit', 'cnn:validate' "
                        "(held-out cnn stories dropped)")
    parser.add_argument("--stories", type=int, default=None, help="first N stories of the source")
    parser.add_argument("--history", choices=["yes", "no", "both"], default="both")
    parser.add_argument("--json", help="also write the full report (with rows) to this file")
    args = parser.parse_args(argv)
    mode: Any = {"yes": True, "no": False, "both": "both"}[args.history]
    report = evaluate_coqa(args.path, args.source, args.stories, mode)
    print(format_report(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
