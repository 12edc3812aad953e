"""Plain-text rendering of an Answer for the terminal (the CLI's only view of an answer)."""
from __future__ import annotations

import textwrap

from qa.types import Answer


def format_answer(answer: Answer, width: int = 88) -> str:
    lines = []
    if answer.interpreted and answer.interpreted != answer.question:
        lines.append(f"Read as: {answer.interpreted}")
    if answer.found:
        lines.append(f"Answer: {answer.text}   (confidence {answer.confidence:.2f})")
        label = "Source"
    else:
        lines.append(f"Not in the article (confidence {answer.confidence:.2f}). Closest passages:")
        label = "Closest"
    for n, c in enumerate(answer.citations, 1):
        head = f"[{n}] {c.source} [{c.start}:{c.end}]"
        lines.append(head)
        lines.extend(textwrap.wrap(c.quote, width, initial_indent="    ", subsequent_indent="    "))
        if n == 1 and label == "Source" and len(answer.citations) > 1:
            lines.append("    --- further passages ---")
    return "\n".join(lines)
