"""ui.web.render: Answer / ArticleView -> HTML, escaped, highlighted from offsets only. No browser."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from index.normalise import Block
from qa.types import Answer, Citation, Span
from ui.web import render

SOURCE = "repeat.txt"
PARAGRAPH = "The minister resigned on Friday."
# The same paragraph twice (as a pull-quote would), then a sentence with markup in it.
TEXT = f"Title <here>\n\n{PARAGRAPH}\n\n{PARAGRAPH}\n\nShe wrote <script>alert(1)</script> & left."
SECOND = TEXT.index(PARAGRAPH, TEXT.index(PARAGRAPH) + 1)
SCRIPT = TEXT.index("She wrote")


class View:
    """The shape of ``qa.library.ArticleView`` (source, title, text, blocks)."""

    def __init__(self, source: str, text: str, blocks: tuple[Block, ...]):
        self.source, self.title, self.text, self.blocks = source, text.split("\n")[0], text, blocks


def _blocks(text: str) -> tuple[Block, ...]:
    out, pos = [], 0
    for n, part in enumerate(text.split("\n\n")):
        out.append(Block("title" if n == 0 else "paragraph", pos, pos + len(part)))
        pos += len(part) + 2
    return tuple(out)


VIEW = View(SOURCE, TEXT, _blocks(TEXT))


def cite(start: int, end: int, source: str = SOURCE) -> Citation:
    return Citation(source, start, end, TEXT[start:end], 0.5)


def found_answer() -> Answer:
    """The answer "Friday" from the *second* copy of the repeated paragraph."""
    start = SECOND + PARAGRAPH.index("Friday")
    return Answer("When did the minister resign?", "Friday", True, 0.91,
                  (cite(SECOND, SECOND + len(PARAGRAPH)), cite(SCRIPT, len(TEXT))),
                  Span(SOURCE, start, start + len("Friday")))


class Marks(HTMLParser):
    """Collects every element with data-start/data-end and the text inside it."""

    def __init__(self):
        super().__init__()
        self.stack: list[dict] = []
        self.found: list[dict] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        self.stack.append({"tag": tag, **dict(attrs), "text": ""})

    def handle_endtag(self, tag):
        element = self.stack.pop()
        if "data-start" in element:
            self.found.append(element)
        if self.stack:
            self.stack[-1]["text"] += element["text"]

    def handle_data(self, data):
        if self.stack:
            self.stack[-1]["text"] += data


def parse(html: str) -> Marks:
    parser = Marks()
    parser.feed(html)
    parser.close()
    return parser


def marks_of(html: str, cls: str) -> list[dict]:
    return [m for m in parse(html).found if cls in m.get("class", "").split()]


def visible(element: dict) -> str:
    """Text of a mark without its number badge."""
    return element["text"].lstrip("0123456789")


# --------------------------------------------------------------------------------------------
# Source panel
# --------------------------------------------------------------------------------------------

def test_highlights_are_the_citation_and_span_offsets():
    answer = found_answer()
    assert render.highlights(answer, SOURCE) == [
        render.Highlight(answer.citations[0].start, answer.citations[0].end, "support", 1),
        render.Highlight(answer.citations[1].start, answer.citations[1].end, "cite", 2),
        render.Highlight(answer.span.start, answer.span.end, "answer", 0),
    ]
    assert render.highlights(answer, "other.txt") == []


def test_repeated_paragraph_highlights_only_the_cited_copy():
    html = render.source_html(VIEW, found_answer(), focus=1)
    support = marks_of(html, "vb-support")
    assert [(int(m["data-start"]), int(m["data-end"])) for m in support] == [(SECOND, SECOND + len(PARAGRAPH))]
    assert visible(support[0]) == PARAGRAPH
    assert "vb-focus" in support[0]["class"] and support[0]["id"] == "vb-c1"
    first_copy = [b for b in parse(html).found if b.get("data-start") == str(TEXT.index(PARAGRAPH))]
    assert first_copy and "vb-hl" not in first_copy[0].get("class", "")  # the block, not a mark
    (span,) = marks_of(html, "vb-answer")
    assert (int(span["data-start"]), int(span["data-end"])) == (found_answer().span.start, found_answer().span.end)
    assert span["text"] == "Friday"


def test_every_mark_equals_the_document_slice_at_its_offsets():
    html = render.source_html(VIEW, found_answer())
    for mark in marks_of(html, "vb-hl") + marks_of(html, "vb-answer"):
        assert visible(mark) == TEXT[int(mark["data-start"]):int(mark["data-end"])]


def test_article_markup_is_shown_as_text():
    html = render.source_html(VIEW, found_answer())
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; left." in html
    assert "Title &lt;here&gt;" in html
    parsed = parse(html)
    assert parsed.scripts == 0
    (cited,) = marks_of(html, "vb-cite")
    assert visible(cited) == TEXT[SCRIPT:]  # entities decode back to the exact text


def test_block_kinds_keep_their_tags():
    text = "Headline\n\nBy A. Writer\n\nA paragraph.\n\nA pull-quote."
    blocks = (Block("title", 0, 8), Block("byline", 10, 22), Block("paragraph", 24, 36), Block("pullquote", 38, 51))
    html = render.source_html(View("k.txt", text, blocks))
    assert '<h2 class="vb-block vb-title"' in html and '<p class="vb-block vb-byline"' in html
    assert '<blockquote class="vb-block vb-pullquote"' in html and "vb-hl" not in html


def test_citation_in_another_article_is_named_in_the_panel_head():
    answer = Answer("q?", "Friday", True, 0.8, (cite(SECOND, SECOND + len(PARAGRAPH)),
                                                 Citation("other <b>.txt", 0, 4, "abcd", 0.1)),
                    Span(SOURCE, SECOND, SECOND + 3))
    html = render.source_html(VIEW, answer)
    assert "other &lt;b&gt;.txt" in html and "click them in the chat" in html


def test_not_found_marks_closest_passages():
    answer = Answer("Who won?", "", False, 0.05, (cite(SCRIPT, len(TEXT)), cite(SECOND, SECOND + len(PARAGRAPH))))
    html = render.source_html(VIEW, answer, focus=2)
    closest = marks_of(html, "vb-closest")
    assert sorted(int(m["data-n"]) for m in closest) == [1, 2]
    assert not marks_of(html, "vb-answer") and not marks_of(html, "vb-support")
    assert "vb-focus" in next(m for m in closest if m["data-n"] == "2")["class"]


@pytest.mark.parametrize("start,end,expected", [
    (0, 7, 'a <mark class="vb-hl vb-support" id="vb-c1" data-n="1" data-start="2" data-end="5">'
           '<sup class="vb-badge">1</sup>&lt;b&gt;</mark> c'),
    (3, 7, '<mark class="vb-hl vb-support" data-n="1" data-start="3" data-end="5">b&gt;</mark> c'),  # clipped: no badge
    (5, 7, " c"),
])
def test_marked_text_clips_marks_to_the_block(start, end, expected):
    assert render.marked_text("a <b> c", start, end, [render.Highlight(2, 5, "support", 1)]) == expected


# --------------------------------------------------------------------------------------------
# Chat messages
# --------------------------------------------------------------------------------------------

def test_found_answer_message():
    html = render.answer_html(found_answer(), turn=3)
    assert "<strong>Friday</strong>" in html
    assert html.count('href="#vb-t3-c1"') == 2      # after the answer and before the quote
    assert 'href="#vb-t3-c2"' in html and "1 more passage<" in html
    assert "\u201cThe minister resigned on Friday.\u201d" in html and SOURCE in html
    assert "confidence 0.91" in html and 'href="#vb-copy-3"' in html
    assert "\n\n" not in html  # a blank line would end the HTML block in Gradio's markdown


def test_not_found_message_is_plain_and_offers_closest_passages():
    answer = Answer("Who won?", "", False, 0.05, (cite(SCRIPT, len(TEXT)),))
    html = render.answer_html(answer, turn=1)
    assert "vb-notfound" in html and "Not in the article." in html and "Closest passages" in html
    assert 'href="#vb-t1-c1"' in html and "vb-found" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html


def test_question_and_error_are_escaped():
    assert render.question_html('<img src=x onerror="alert(1)">\n\n**hi**') == \
        '<div class="vb-q">&lt;img src=x onerror=&quot;alert(1)&quot;&gt; **hi**</div>'
    assert "&lt;b&gt;" in render.error_html("No <b> index")


def test_read_as_line_only_when_the_question_was_reinterpreted():
    plain = found_answer()
    assert "Read as" not in render.answer_html(plain, 1)
    followup = Answer("When did he go?", "Friday", True, 0.9, plain.citations, plain.span,
                      interpreted="When did <the minister> go?")
    assert "Read as: <em>When did &lt;the minister&gt; go?</em>" in render.answer_html(followup, 1)


def test_copy_text_has_answer_and_citation():
    text = render.answer_plaintext(found_answer())
    assert text.splitlines()[:2] == ["Q: When did the minister resign?", "Friday"]
    assert f"[1] \u201c{PARAGRAPH}\u201d \u2014 {SOURCE}, characters {SECOND}\u2013{SECOND + len(PARAGRAPH)}" in text
    missing = render.answer_plaintext(Answer("Who won?", "", False, 0.0, (cite(SCRIPT, len(TEXT)),)))
    assert "Not in the article." in missing and "Closest passages:" in missing
