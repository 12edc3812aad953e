"""Plain-text rendering of an Answer for the terminal (the CLI's only view of an answer)."""
from __future__ import annotations

import textwrap

from qa.types import Answer, Explanation

HEADLINES = {
    "answer": "Answer: {text}   ({assessment}, confidence {confidence:.2f})",
    "unsure": "Not sure: perhaps \"{text}\"   ({assessment}; confidence {confidence:.2f}, below {threshold:.2f})",
    "absent": "Not in the article (confidence {confidence:.2f}). Closest passages:",
}


def format_answer(answer: Answer, width: int = 88, explain: bool = False) -> str:
    if answer.summary_kind:   # a question about the whole article (qa.summary)
        return format_summary(answer, width)
    lines = []
    if answer.interpreted and answer.interpreted != answer.question:
        lines.append(f"Read as: {answer.interpreted}")
    threshold = answer.explanation.threshold if answer.explanation else 0.0
    lines.append(HEADLINES[answer.verdict].format(text=answer.text or answer.guess, confidence=answer.confidence,
                                                  threshold=threshold, assessment=answer.assessment))
    label = "Source" if answer.verdict != "absent" else "Closest"
    for n, c in enumerate(answer.citations, 1):
        head = f"[{n}] {c.source} [{c.start}:{c.end}]"
        lines.append(head)
        lines.extend(textwrap.wrap(c.quote, width, initial_indent="    ", subsequent_indent="    "))
        if n == 1 and label == "Source" and len(answer.citations) > 1:
            lines.append("    --- further passages ---")
    if explain and answer.explanation:
        lines.extend(format_explanation(answer.explanation))
    return "\n".join(lines)


def format_explanation(why: Explanation) -> list[str]:
    """The signals behind the confidence: words found where, answer types, each feature's push."""
    lines = ["Why:", f"  answer type wanted: {why.wanted or '-'}; found: {why.got or 'no entity'}"]
    lines += [f"  question word {word!r}: {where}" for word, where in why.words]
    features = dict(why.features)
    pushes = sorted(why.contributions, key=lambda kv: -abs(kv[1]))
    lines.append(f"  {'signal':<16}{'value':>8}{'push (log-odds)':>18}")
    lines += [f"  {name:<16}{features.get(name, 0.0):>8.3f}{push:>+18.2f}" for name, push in pushes]
    lines.append(f"  answered when the confidence is at least {why.threshold:.2f}; below it \"Not sure\" "
                 f"when answerable ({why.answerable:.2f}) is at least {why.answerable_threshold:.2f}, "
                 f"else \"Not in the article\"")
    return lines


STATED = {"byline": "author", "date": "date", "source": "source", "gist": "text", "points": "text"}
SUMMARY_HEADINGS = {"gist": "In short", "points": "Main points", "byline": "Byline", "date": "Date",
                    "source": "Source"}


def format_summary(answer: Answer, width: int = 88) -> str:
    """A whole-article answer: the article's own sentences, numbered, each with its offsets."""
    lines = [f"Read as: {answer.interpreted}"] if answer.interpreted else []
    if not answer.found:
        return "\n".join(lines + [f"Not in the article: it states no {STATED[answer.summary_kind]}."])
    lines.append(f"{SUMMARY_HEADINGS.get(answer.summary_kind, 'Summary')} (the article's own words):")
    source = None
    for n, c in enumerate(answer.citations, 1):
        if c.source != source and len({x.source for x in answer.citations}) > 1:
            lines.append(f"{c.source}:")
        source = c.source
        lines.extend(textwrap.wrap(f"[{n}] \u201c{' '.join(c.quote.split())}\u201d", width,
                                   initial_indent="  ", subsequent_indent="      "))
        lines.append(f"      {c.source} [{c.start}:{c.end}]")
    return "\n".join(lines)
