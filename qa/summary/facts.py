"""What an article says about itself: its byline, its date, its source, in its own words.

Only places where a page states these count: the byline block (``index.normalise`` marks a "By
..." line), the lines above the first paragraph, a dateline opening the first paragraph
("KESTRELTON, March 4 (Coastal Wire) --"), and a credit line ("Jane Doe contributed to this
report."). A weekday in the story ("police said Tuesday") is no date of the article. Each fact
comes back as the ``[start, end)`` of its words in the document text, or None when the article
does not state it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
DATE = re.compile(rf"\b(?:\d{{1,2}} {_MONTH},? \d{{4}}|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?"
                  rf"|{_MONTH} \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})\b")
BY = re.compile(r"^(?:written by|by)\b[:\s]*", re.IGNORECASE)
# "LONDON, March 4 (Reuters) -", "(CNN) --", "WASHINGTON (AP) —": capitals, an optional date, a credit
# (no "^": it is matched with match(text, pos), which anchors at pos)
DATELINE = re.compile(r"(?P<place>[A-Z][A-Z.'\- ]{1,40}(?:, [A-Z][A-Za-z.\- ]{1,30})?)?,?\s*"
                      rf"(?P<date>{DATE.pattern})?\s*(?:\((?P<credit>[A-Za-z][\w .&'-]{{0,40}})\))?\s*(?:--|\u2014|\u2013|-)\s")
CREDIT_LINE = re.compile(r"[^.!?]*\b(?:contributed to this (?:report|story|article)|reported from)\b[^.!?]*[.!?]?")


@dataclass(frozen=True)
class Fact:
    start: int
    end: int


def header_blocks(blocks: Sequence[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """The blocks above the first paragraph (title, byline, a date line)."""
    out = []
    for block in blocks:
        if block[0] == "paragraph":
            break
        out.append(block)
    return out


def first_paragraph(blocks: Sequence[tuple[str, int, int]]) -> tuple[str, int, int] | None:
    return next((b for b in blocks if b[0] == "paragraph"), None)


def byline(text: str, blocks: Sequence[tuple[str, int, int]]) -> Fact | None:
    """The words after "By" in the byline block, else a credit line ("X contributed to this report")."""
    for kind, start, end in blocks:
        if kind == "byline":
            lead = BY.match(text[start:end])
            lo = start + (lead.end() if lead else 0)
            if end > lo:
                return Fact(lo, end)
    for kind, start, end in blocks:
        if kind == "paragraph":
            found = CREDIT_LINE.search(text, start, end)
            if found:
                return _trimmed(text, found.start(), found.end())
    return None


def date(text: str, blocks: Sequence[tuple[str, int, int]]) -> Fact | None:
    """A date above the first paragraph or in its dateline."""
    for _, start, end in header_blocks(blocks):
        found = DATE.search(text, start, end)
        if found:
            return Fact(found.start(), found.end())
    line = _dateline(text, blocks)
    if line is not None and line.group("date"):
        return Fact(line.start("date"), line.end("date"))
    return None


def source(text: str, blocks: Sequence[tuple[str, int, int]]) -> Fact | None:
    """The credit of a dateline ("(Reuters)"), else the byline (which names the outlet, if anything does)."""
    line = _dateline(text, blocks)
    if line is not None and line.group("credit"):
        return Fact(line.start("credit"), line.end("credit"))
    return byline(text, [b for b in blocks if b[0] == "byline"])


def _dateline(text: str, blocks: Sequence[tuple[str, int, int]]) -> re.Match | None:
    block = first_paragraph(blocks)
    if block is None:
        return None
    found = DATELINE.match(text, block[1], block[2])
    return found if found and (found.group("credit") or found.group("date")) else None


def _trimmed(text: str, start: int, end: int) -> Fact:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Fact(start, end)


FINDERS = {"byline": byline, "date": date, "source": source}
