"""Answer / ArticleView -> HTML for the web chat. Pure functions, no Gradio, no I/O.

Every piece of article text and every question is escaped here; nothing else in ``ui/`` builds
HTML from user data. Highlights come from offsets only: the document text is sliced at the
citation and answer-span offsets and each slice is escaped on its own, so a phrase (or a whole
paragraph) that repeats elsewhere in the article is never highlighted by accident.

Links inside chat messages carry their meaning in the ``href`` (``#vb-t3-c1`` = message 3,
citation 1; ``#vb-copy-3`` = copy message 3), which survives Gradio's HTML sanitizer; the page
script in ``ui.web.assets`` turns clicks on them into source-panel updates or clipboard copies.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from qa.types import Answer, Citation, Span
from ui.web.html_text import cite_href, escape
from ui.web.html_text import one_line as _one_line, quoted as _quoted, read_as as _read_as
from ui.web.render_summary import summary_html

BLOCK_TAGS = {"title": "h2", "byline": "p", "heading": "h3", "paragraph": "p", "pullquote": "blockquote"}


# --------------------------------------------------------------------------------------------
# Chat messages
# --------------------------------------------------------------------------------------------

def question_html(question: str) -> str:
    """A user's message, shown as text whatever it contains."""
    return f'<div class="vb-q">{escape(_one_line(question))}</div>'


def error_html(message: str) -> str:
    return f'<div class="vb-msg vb-error"><strong>Could not answer.</strong> {escape(_one_line(message))}</div>'


PLAIN_HEADLINES = {"answer": "{text}", "unsure": "Not sure: perhaps \u201c{text}\u201d", "absent": "Not in the article."}


def answer_plaintext(answer: Answer) -> str:
    """What the Copy link puts on the clipboard: the answer and its numbered citations."""
    lines = [PLAIN_HEADLINES[answer.verdict].format(text=answer.text or answer.guess)]
    if answer.interpreted:
        lines.insert(0, f"Q: {answer.interpreted}")
    else:
        lines.insert(0, f"Q: {answer.question}")
    if answer.citations and answer.verdict == "absent":
        lines.append("Closest passages:")
    shown = answer.citations if answer.verdict == "absent" else answer.citations[:1]
    for n, c in enumerate(shown, 1):
        lines.append(f"[{n}] \u201c{_one_line(c.quote)}\u201d \u2014 {c.source}, characters {c.start}\u2013{c.end}")
    return "\n".join(lines)


def _citation_item(turn: int, n: int, c: Citation, guess: Span | None = None) -> str:
    return (f'<li><a class="vb-ref" href="{cite_href(turn, n)}" title="Show in the article">[{n}]</a> '
            f'<span class="vb-quote">{_quote_html(c, guess)}</span> '
            f'<span class="vb-src">{escape(c.source)}</span></li>')


def _quote_html(c: Citation, guess: Span | None) -> str:
    """The quoted passage, with the tentative span of a "Not sure" marked inside it (by offsets)."""
    if guess is None or guess.source != c.source or not c.start <= guess.start < guess.end <= c.end:
        return escape(_quoted(c.quote))
    lo, hi = guess.start - c.start, guess.end - c.start
    return ("\u201c" + escape(_one_line(c.quote[:lo])) + (" " if c.quote[lo - 1:lo].isspace() else "")
            + f'<mark class="vb-guess">{escape(_one_line(c.quote[lo:hi]))}</mark>'
            + (" " if c.quote[hi:hi + 1].isspace() else "") + escape(_one_line(c.quote[hi:])) + "\u201d")


def _citation_list(turn: int, citations: Sequence[Citation], first: int = 1, cls: str = "vb-cites",
                   guess: Span | None = None) -> str:
    items = "".join(_citation_item(turn, n, c, guess if n == 1 else None) for n, c in enumerate(citations, first))
    return f'<ol class="{cls}">{items}</ol>'


def _footer(answer: Answer, turn: int) -> str:
    copy_text = escape(answer_plaintext(answer))
    return (f'<div class="vb-meta"><span class="vb-conf vb-conf-{answer.verdict}" '
            f'title="The probability that the answer is right">'
            f'{escape(answer.assessment)} \u00b7 confidence {answer.confidence:.2f}</span>'
            f'<a class="vb-copy" href="#vb-copy-{turn}" title="Copy the answer with its citation">Copy</a></div>'
            f'<div class="vb-copytext">{copy_text}</div>')


def answer_html(answer: Answer, turn: int) -> str:
    """The assistant message for ``answer``; ``turn`` is its index in the chat (for links).

    An answer: in bold with [1], the supporting sentence as citation [1], the other passages
    folded away. Not sure: the tentative span marked inside its sentence, said to be a guess.
    Not in the article: a plain statement and the closest passages, numbered. Each ends with
    a folded "Why?" that shows the signals behind the confidence.
    """
    if answer.summary_kind:   # a question about the whole article (qa.summary)
        return summary_html(answer, turn)
    if answer.verdict == "absent":
        return _not_found_html(answer, turn)
    first, rest = answer.citations[:1], answer.citations[1:]
    ref = f' <a class="vb-ref" href="{cite_href(turn, 1)}" title="Show in the article">[1]</a>' if first else ""
    if answer.verdict == "unsure":
        parts = ['<div class="vb-msg vb-unsure">', _read_as(answer),
                 f'<p class="vb-text"><strong>Not sure.</strong> Perhaps \u201c{escape(_one_line(answer.guess))}\u201d'
                 f'{ref}, but the reader is not confident enough to answer.</p>']
    else:
        parts = ['<div class="vb-msg vb-found">', _read_as(answer),
                 f'<p class="vb-text"><strong>{escape(_one_line(answer.text))}</strong>{ref}</p>']
    if first:
        parts.append(_citation_list(turn, first, guess=answer.guess_span))
    if rest:
        noun = "passage" if len(rest) == 1 else "passages"
        parts.append(f'<details class="vb-more"><summary>{len(rest)} more {noun}</summary>'
                     f'{_citation_list(turn, rest, first=2)}</details>')
    parts += [_footer(answer, turn), _why_html(answer), "</div>"]
    return "".join(parts)


def _not_found_html(answer: Answer, turn: int) -> str:
    parts = ['<div class="vb-msg vb-notfound">', _read_as(answer),
             '<p class="vb-text"><strong>Not in the article.</strong> '
             'The selected article(s) do not answer this question.</p>']
    if answer.citations:
        parts.append('<p class="vb-closest-head">Closest passages</p>')
        parts.append(_citation_list(turn, answer.citations, cls="vb-cites vb-closest"))
    parts += [_footer(answer, turn), _why_html(answer), "</div>"]
    return "".join(parts)


def _why_html(answer: Answer) -> str:
    """A folded "Why?": answer types, where each question word was found, each signal's push."""
    why = answer.explanation
    if why is None:
        return ""
    features = dict(why.features)
    words = "".join(f"<li><b>{escape(w)}</b>: {escape(where)}</li>" for w, where in why.words)
    rows = "".join(f'<tr><td>{escape(name)}</td><td>{features.get(name, 0.0):.2f}</td>'
                   f'<td class="{"vb-up" if push >= 0 else "vb-down"}">{push:+.2f}</td></tr>'
                   for name, push in sorted(why.contributions, key=lambda kv: -abs(kv[1])))
    return (f'<details class="vb-why"><summary>Why?</summary>'
            f'<p>Answer type wanted: <b>{escape(why.wanted or "-")}</b>; found: <b>{escape(why.got or "no entity")}</b>. '
            f'An answer is given from confidence {why.threshold:.2f}; below it, "Not sure" when the article '
            f'probably answers (answerable {why.answerable:.2f}, from {why.answerable_threshold:.2f}), '
            f'else "Not in the article".</p>'
            f'<ul class="vb-words">{words}</ul>'
            f'<table class="vb-signals"><tr><th>signal</th><th>value</th><th>push</th></tr>{rows}</table></details>')


# --------------------------------------------------------------------------------------------
# Source panel
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Highlight:
    """A marked range of the shown document: a citation (numbered) or the answer span (n=0)."""

    start: int
    end: int
    kind: str  # "support" (citation 1), "cite", "closest", "answer" or "guess" (a "Not sure" span)
    n: int


def highlights(answer: Answer | None, source: str) -> list[Highlight]:
    """The ranges of ``source`` to mark for ``answer``, straight from its offsets."""
    if answer is None:
        return []
    marks = []
    for n, c in enumerate(answer.citations, 1):
        if c.source == source:
            kind = "closest" if answer.verdict == "absent" else ("support" if n == 1 else "cite")
            kind = "support" if answer.verdict == "summary" else kind   # every summary sentence alike
            marks.append(Highlight(c.start, c.end, kind, n))
    span = answer.span if answer.found else answer.guess_span if answer.verdict == "unsure" else None
    if span and span.source == source:
        marks.append(Highlight(span.start, span.end, "answer" if answer.found else "guess", 0))
    return marks


def _mark_open(h: Highlight, start: int, end: int, focus: int | None) -> str:
    classes = f"vb-hl vb-{h.kind}" + (" vb-focus" if h.n == focus else "")
    anchor = f' id="vb-c{h.n}"' if start == h.start else ""
    badge = f'<sup class="vb-badge">{h.n}</sup>' if start == h.start else ""
    return (f'<mark class="{classes}"{anchor} data-n="{h.n}" data-start="{start}" data-end="{end}">'
            f'{badge}')


_SPAN_CLASS = {"answer": "vb-answer", "guess": "vb-answer vb-guess"}


def _inner(text: str, start: int, end: int, span: Highlight | None) -> str:
    if span is None or span.end <= start or span.start >= end:
        return escape(text[start:end])
    lo, hi = max(span.start, start), min(span.end, end)
    return (escape(text[start:lo])
            + f'<span class="{_SPAN_CLASS[span.kind]}" data-start="{lo}" data-end="{hi}">{escape(text[lo:hi])}</span>'
            + escape(text[hi:end]))


def _disjoint(ranges: list[Highlight]) -> list[Highlight]:
    """Citations sorted by start, a later one clipped where it overlaps an earlier one."""
    out: list[Highlight] = []
    for h in sorted(ranges, key=lambda h: (h.start, h.n)):
        if out and h.start < out[-1].end:
            if h.end <= out[-1].end:
                continue
            h = Highlight(out[-1].end, h.end, h.kind, h.n)
        out.append(h)
    return out


def marked_text(text: str, start: int, end: int, marks: Sequence[Highlight], focus: int | None = None) -> str:
    """Escaped ``text[start:end]`` with ``<mark>`` around each citation and the answer span inside.

    >>> marked_text("a <b> c", 0, 7, [Highlight(2, 5, "support", 1)])
    'a <mark class="vb-hl vb-support" id="vb-c1" data-n="1" data-start="2" data-end="5"><sup class="vb-badge">1</sup>&lt;b&gt;</mark> c'
    """
    span = next((m for m in marks if m.kind in _SPAN_CLASS), None)
    cites = _disjoint([m for m in marks if m.kind not in _SPAN_CLASS])
    if span is not None and not any(c.start <= span.start and span.end <= c.end for c in cites):
        cites = _disjoint(cites + [Highlight(span.start, span.end, "support", 0)])
    out, pos = [], start
    for c in cites:
        lo, hi = max(c.start, start), min(c.end, end)
        if lo >= hi:
            continue
        out.append(_inner(text, pos, lo, None))
        out.append(_mark_open(c, lo, hi, focus) + _inner(text, lo, hi, span) + "</mark>")
        pos = hi
    out.append(_inner(text, pos, end, None))
    return "".join(out)


def source_html(view, answer: Answer | None = None, focus: int | None = None) -> str:
    """The article of ``view`` (a ``qa.library.ArticleView``) with ``answer``'s marks.

    Blocks keep their kind (title, byline, heading, paragraph, pull-quote); text between the
    blocks is layout whitespace and is not shown.
    """
    marks = highlights(answer, view.source)
    body = []
    for block in view.blocks:
        tag = BLOCK_TAGS.get(block.kind, "p")
        body.append(f'<{tag} class="vb-block vb-{block.kind}" data-start="{block.start}" data-end="{block.end}">'
                    f'{marked_text(view.text, block.start, block.end, marks, focus)}</{tag}>')
    return (f'<div class="vb-panel">{_panel_head(view, answer, marks)}'
            f'<div class="vb-doc" id="vb-doc" data-source="{escape(view.source)}">{"".join(body)}</div></div>')


def _panel_head(view, answer: Answer | None, marks: Sequence[Highlight]) -> str:
    legend = ""
    if answer is not None and answer.verdict == "summary":
        legend = '<span class="vb-key vb-key-support">the sentences quoted in the chat</span>'
    elif answer is not None and answer.verdict == "unsure":
        legend = ('<span class="vb-key vb-key-guess">tentative answer (not sure)</span>'
                  '<span class="vb-key vb-key-support">its sentence</span>'
                  '<span class="vb-key vb-key-cite">other passages</span>')
    elif answer is not None and answer.found:
        legend = ('<span class="vb-key vb-key-answer">answer</span>'
                  '<span class="vb-key vb-key-support">supporting sentence</span>'
                  '<span class="vb-key vb-key-cite">other passages</span>')
    elif answer is not None:
        legend = '<span class="vb-key vb-key-closest">closest passages</span>'
    elsewhere = sorted({c.source for c in (answer.citations if answer else ()) if c.source != view.source})
    note = ""
    if elsewhere:
        names = ", ".join(escape(s) for s in elsewhere)
        note = f'<div class="vb-elsewhere">Other citations are in {names}: click them in the chat.</div>'
    return (f'<div class="vb-panel-head"><div class="vb-doc-name" title="{escape(view.source)}">'
            f'{escape(view.source)}</div><div class="vb-legend">{legend}</div>{note}</div>')


def empty_source_html(message: str = "No articles yet. Add a .txt or .md article under Articles.") -> str:
    return f'<div class="vb-panel"><div class="vb-doc vb-empty">{escape(message)}</div></div>'
