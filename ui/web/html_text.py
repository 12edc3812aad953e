"""Small HTML pieces shared by the chat's renderers (answers, summaries): escaping, quoting, links."""
from __future__ import annotations

import html

from qa.types import Answer


def escape(text: str) -> str:
    """``'<b>"x"</b>'`` -> ``'&lt;b&gt;&quot;x&quot;&lt;/b&gt;'``."""
    return html.escape(text, quote=True)


def one_line(text: str) -> str:
    # A blank line would end Gradio's markdown HTML block and expose the rest to markdown.
    return " ".join(text.split())


def quoted(text: str) -> str:
    """Curly quotes around a passage, unless it already is a quotation."""
    text = one_line(text)
    return text if text[:1] in "\"\u201c\u2018'" else f"\u201c{text}\u201d"


def cite_href(turn: int, n: int) -> str:
    return f"#vb-t{turn}-c{n}"


def read_as(answer: Answer) -> str:
    if not answer.interpreted:
        return ""
    return f'<div class="vb-readas">Read as: <em>{escape(one_line(answer.interpreted))}</em></div>'
