"""Small made-up files shaped like the benchmark's (SQuAD-shifts articles, CoQA stories), for the
sampling tests. Every fact and answer is invented; no benchmark text is used."""
from __future__ import annotations

import json
from pathlib import Path

FILLER = ("The morning was calm and the small boats waited in the harbour while people walked slowly "
          "along the old stone quay towards the market square. ")   # 24 words


def gold(article: int, paragraph: int, fact: str) -> str:
    """A made-up answer found once in the whole data: ``gold(1, 2, "name") == "Vorla1x2name"``."""
    return f"Vorla{article}x{paragraph}{fact}"


def squad_paragraph(article: int, k: int, long: bool = False) -> dict:
    who, where = gold(article, k, "who"), gold(article, k, "where")
    text = (FILLER * 3 if long else "") + f"The ferry number {k} of town {article} was built by {who}. " \
                                          f"It sailed every week to the island of {where}."
    qas = [{"id": f"{article}-{k}-a", "question": f"Who built ferry number {k} of town {article}?",
            "answers": [{"text": who, "answer_start": text.index(who)}]},
           {"id": f"{article}-{k}-b", "question": f"Where did ferry {k} of town {article} sail?",
            "answers": [{"text": where, "answer_start": text.index(where)}]}]
    return {"context": text, "qas": qas}


def squad_article(article: int, paragraphs: int, title: str | None = None, long: bool = False) -> dict:
    return {"title": title or f"Town {article} ferries",
            "paragraphs": [squad_paragraph(article, k, long) for k in range(paragraphs)]}


def write_squad(path: Path, articles: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": "1.0", "data": articles}), encoding="utf-8")
    return path


def coqa_story(n: int, source: str, paragraphs: int = 5, story_id: str | None = None) -> dict:
    """A story of ``paragraphs`` paragraphs of over 60 words, one fact each, with a conversation:
    a standalone question per paragraph, a follow-up with a pronoun, a yes/no and an unknown turn."""
    parts, turns = [], []
    for k in range(paragraphs):
        fact = f"The lighthouse keeper of bay {n} in season {k} was {gold(n, k, 'keeper')}."
        parts.append(FILLER * 2 + fact + (" He carried a lamp." if k == 0 else ""))
        turns.append((f"Who was the lighthouse keeper of bay {n} in season {k}?", gold(n, k, "keeper"), fact))
    story = "\n\n".join(parts)
    turns += [("What did he carry?", "a lamp", "He carried a lamp."), ("Was the morning calm at the harbour?", "yes", FILLER.strip()),
              ("Who painted the lighthouse of bay " + str(n) + " blue?", "unknown", "")]
    questions, answers = [], []
    for t, (question, answer, rationale) in enumerate(turns, 1):
        start = story.find(rationale) if rationale else -1
        questions.append({"input_text": question, "turn_id": t})
        answers.append({"input_text": answer, "span_text": rationale, "span_start": start,
                        "span_end": start + len(rationale) if rationale else -1, "turn_id": t})
    return {"source": source, "id": story_id or f"{source}{n:03d}", "filename": f"{n}.txt", "name": f"{n}.txt",
            "story": story, "questions": questions, "answers": answers}


def write_coqa(path: Path, stories: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": "1.0", "data": stories}), encoding="utf-8")
    return path
