"""What the chat shows of the indexed articles: their names, the source panel of one (through
``qa.library``, rendered by ``ui.web.render``) and example questions worth trying on them."""
from __future__ import annotations

import functools
import itertools
import uuid
from pathlib import Path
from typing import Sequence

from qa.errors import IndexMissingError
from qa.settings import Settings
from qa.types import Answer
from ui.web import feedback, render

EXAMPLES_SHOWN = 5


def article_names(settings: Settings) -> list[str]:
    from qa.library import list_articles

    return [a.source for a in list_articles(settings)]


def _view(source: str | None, settings: Settings):
    from qa.library import get_article

    if not source:
        return None
    try:
        return get_article(source, settings)
    except IndexMissingError:
        return None


def source_panel(source: str | None, answer: Answer | None, focus: int | None, settings: Settings) -> str:
    view = _view(source, settings)
    if view is None:
        return render.empty_source_html()
    html = render.source_html(view, answer, focus)
    # A fresh version number tells the page script to scroll to the new focus.
    return html.replace('id="vb-doc"', f'id="vb-doc" data-version="{uuid.uuid4().hex[:8]}"', 1)


def example_questions(settings: Settings, sources: Sequence[str]) -> list[str]:
    """Questions worth trying on the loaded articles.

    Curated questions (``seeds/questions.jsonl`` and confirmed feedback cases) whose evidence
    sentence is in a loaded article come first; an article without any gets "Who is ...?"
    questions about the people it names most.
    """
    per_article: list[list[str]] = []
    for source in sources:
        view = _view(source, settings)
        if view is not None:
            paragraphs = "\n\n".join(view.text[b.start:b.end] for b in view.blocks if b.kind == "paragraph")
            per_article.append(_curated_for(view.text, _case_files(settings))
                               or list(_people_questions(view.source, paragraphs)))
    # Round robin, so every loaded article gets at least one example.
    merged = [q for group in itertools.zip_longest(*per_article) for q in group if q]
    return list(dict.fromkeys(merged))[:EXAMPLES_SHOWN]


def _case_files(settings: Settings) -> tuple[Path, ...]:
    from qa.evaluation.regression import DEFAULT_QUESTIONS

    return tuple(p for p in (DEFAULT_QUESTIONS, Path(settings.store) / feedback.CASES_FILE) if p.exists())


def _curated_for(text: str, files: Sequence[Path], limit: int = 4) -> list[str]:
    from qa.evaluation.regression import load_cases

    chosen: list[str] = []
    for path in files:
        cases = load_cases(path)
        about = [c for c in cases if c.answerable and c.evidence and c.evidence in text and len(c.question) <= 60]
        if about:
            step = max(1, len(about) // limit)
            chosen += [c.question for c in about[::step][:limit]]
            chosen += [c.question for c in cases if not c.answerable][:1]  # shows "not in the article"
    return chosen


@functools.lru_cache(maxsize=64)
def _people_questions(source: str, text: str, limit: int = 3) -> tuple[str, ...]:
    from collections import Counter

    from index import nlp

    doc = nlp.parse_long(text[:20_000])
    names = Counter(e.text.strip() for e in doc.ents if e.label_ == "PERSON" and len(e.text.split()) >= 2
                    and e.text[:1].isupper() and "'" not in e.text and "’" not in e.text)
    return tuple(f"Who is {name}?" for name, _ in names.most_common(limit))
