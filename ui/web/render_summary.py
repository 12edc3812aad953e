"""A whole-article answer (verdict ``"summary"``) -> the chat message: a short list of the
article's own sentences, quoted, each with its [n] mark (a link that shows it in the article).

With several articles, the sentences are grouped under each article's name. A byline, date or
source is shown as the words themselves with their mark. Escaping and links: ``ui.web.html_text``.
"""
from __future__ import annotations

import itertools

from qa.types import Answer
from ui.web.html_text import cite_href, escape
from ui.web.html_text import one_line as _one_line, quoted as _quoted, read_as as _read_as

HEADINGS = {"gist": "In short", "points": "Main points", "byline": "Byline", "date": "Date", "source": "Source"}
STATED = {"byline": "author", "date": "date", "source": "source"}
NOTE = "The article's own sentences, chosen and cited; click a mark to see it in the article."


def summary_plaintext(answer: Answer) -> str:
    """What the Copy link puts on the clipboard: the question and the numbered quotations."""
    lines = [f"Q: {answer.interpreted or answer.question}", HEADINGS.get(answer.summary_kind, "Summary") + ":"]
    lines += [f"[{n}] \u201c{_one_line(c.quote)}\u201d \u2014 {c.source}, characters {c.start}\u2013{c.end}"
              for n, c in enumerate(answer.citations, 1)]
    return "\n".join(lines)


def summary_html(answer: Answer, turn: int) -> str:
    """The assistant message for a summary answer; ``turn`` is its index in the chat (for links)."""
    heading = HEADINGS.get(answer.summary_kind, "Summary")
    if not answer.found:
        return ('<div class="vb-msg vb-notfound">' + _read_as(answer) + '<p class="vb-text"><strong>Not in the '
                f'article.</strong> It states no {escape(STATED.get(answer.summary_kind, "such thing"))}.</p></div>')
    parts = ['<div class="vb-msg vb-found vb-summary">', _read_as(answer),
             f'<p class="vb-text"><strong>{escape(heading)}</strong></p>']
    numbered = list(enumerate(answer.citations, 1))
    groups = [(source, list(items)) for source, items in itertools.groupby(numbered, key=lambda nc: nc[1].source)]
    for source, items in groups:
        if len(groups) > 1:
            parts.append(f'<p class="vb-article">{escape(source)}</p>')
        rows = "".join(f'<li><span class="vb-quote">{escape(_quoted(c.quote))}</span> '
                       f'<a class="vb-ref" href="{cite_href(turn, n)}" title="Show in the article">[{n}]</a></li>'
                       for n, c in items)
        parts.append(f'<ul class="vb-cites vb-points">{rows}</ul>')
    if answer.summary_kind in ("byline", "date", "source") and len(groups) > 1:
        parts.append(f'<p class="vb-note">{escape(_one_line(answer.text))}</p>')
    parts += [f'<div class="vb-meta"><span class="vb-conf" title="{escape(NOTE)}">in the article\'s own words</span>'
              f'<a class="vb-copy" href="#vb-copy-{turn}" title="Copy the summary with its citations">Copy</a></div>'
              f'<div class="vb-copytext">{escape(summary_plaintext(answer))}</div>', "</div>"]
    return "".join(parts)
