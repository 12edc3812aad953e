"""Raw article text -> a clean *document text* with typed blocks and exact offsets.

The document text is what the index stores and what every offset points into. Steps:
markdown emphasis, links and heading marks are stripped; soft-wrapped lines are joined;
paragraphs broken mid-sentence by stray blank lines are re-joined; each block is typed as
title, byline, heading, paragraph or pull-quote (a line that repeats the start of a nearby
paragraph, as page layouts do). Pull-quotes stay in the text but are never answered from.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

BLOCK_KINDS = ("title", "byline", "heading", "paragraph", "pullquote")

_EMPHASIS = [
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), r"\1"),
    (re.compile(r"__(?=\S)(.+?)(?<=\S)__"), r"\1"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"!?\[([^\]\n]+)\]\([^)\s]+\)"), r"\1"),   # [text](url) -> text
    (re.compile(r"`([^`\n]+)`"), r"\1"),
]
_HEADING_MARK = re.compile(r"^#{1,6}\s+")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_BYLINE = re.compile(r"^(?:by|written by)\b[:\s]", re.IGNORECASE)
_TERMINAL = tuple('.!?:;"\'”’»)…')
_WORD = re.compile(r"\w+", re.UNICODE)

PULLQUOTE_WINDOW = 6        # blocks either side where the repeated paragraph may stand
PULLQUOTE_MIN_MATCH = 0.75  # share of the line's words found, in order, at the paragraph's start
HEADING_MAX_WORDS = 25


@dataclass(frozen=True)
class Block:
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class NormalisedText:
    text: str
    blocks: tuple[Block, ...]

    def block_text(self, block: Block) -> str:
        return self.text[block.start:block.end]


def strip_markup(line: str) -> str:
    """``"the **deaths** of [two](http://x) men"`` -> ``"the deaths of two men"``."""
    for pattern, repl in _EMPHASIS:
        line = pattern.sub(repl, line)
    return line


def _raw_blocks(raw: str) -> list[tuple[str, bool]]:
    """Split on blank lines; join soft-wrapped lines. Returns (text, is_markdown_heading)."""
    blocks: list[tuple[str, bool]] = []
    for chunk in re.split(r"\n[ \t]*\n", raw):
        lines = [ln.strip() for ln in chunk.split("\n") if ln.strip()]
        if not lines:
            continue
        if len(lines) > 1 and all(_LIST_MARK.match(ln) for ln in lines):
            blocks.extend((strip_markup(ln), False) for ln in lines)
            continue
        for ln in list(lines):
            if _HEADING_MARK.match(ln):  # a markdown heading is a block of its own
                lines.remove(ln)
                blocks.append((strip_markup(_HEADING_MARK.sub("", ln)).strip("# "), True))
        if lines:
            blocks.append((strip_markup(" ".join(lines)), False))
    return [(re.sub(r"[ \t]+", " ", text).strip(), md) for text, md in blocks if text.strip()]


def _ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(_TERMINAL)


def _join_broken_paragraphs(blocks: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Re-join "...charged with theft, and" + "handling stolen goods" split by a stray blank line."""
    joined: list[tuple[str, bool]] = []
    for text, md in blocks:
        if (joined and not md and not joined[-1][1] and text[:1].islower()
                and not _ends_sentence(joined[-1][0])):
            joined[-1] = (joined[-1][0] + " " + text, False)
        else:
            joined.append((text, md))
    return joined


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def repeats_paragraph_start(line: str, paragraph: str) -> bool:
    """True when ``line`` reads as the opening of ``paragraph`` (a pull-quote of it)."""
    line_words = _words(line)
    para_words = _words(paragraph)[: len(line_words) + 6]
    if len(line_words) < 4 or len(paragraph) <= len(line) or line_words[0] != para_words[0]:
        return False
    matcher = difflib.SequenceMatcher(a=line_words, b=para_words, autojunk=False)
    matched = sum(m.size for m in matcher.get_matching_blocks())
    return matched / len(line_words) >= PULLQUOTE_MIN_MATCH


def _classify(blocks: list[tuple[str, bool]]) -> list[str]:
    kinds: list[str] = []
    seen_paragraph = False
    for i, (text, md) in enumerate(blocks):
        short = len(text.split()) <= HEADING_MAX_WORDS
        if not seen_paragraph and short and _BYLINE.match(text):
            kind = "byline"
        elif md or (short and not _ends_sentence(text)):
            kind = "title" if not seen_paragraph and "title" not in kinds else "heading"
            if kind == "heading" and _is_pullquote(i, blocks):
                kind = "pullquote"
        else:
            kind = "paragraph"
            seen_paragraph = True
        kinds.append(kind)
    return kinds


def _is_pullquote(i: int, blocks: list[tuple[str, bool]]) -> bool:
    line = blocks[i][0]
    lo, hi = max(0, i - PULLQUOTE_WINDOW), min(len(blocks), i + PULLQUOTE_WINDOW + 1)
    return any(j != i and repeats_paragraph_start(line, blocks[j][0]) for j in range(lo, hi))


def normalise(raw: str) -> NormalisedText:
    """Normalise an article; every block's ``[start, end)`` indexes the returned text."""
    raw = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    raw = raw.replace("\ufeff", "").replace("\u00a0", " ")
    blocks = _join_broken_paragraphs(_raw_blocks(raw))
    kinds = _classify(blocks)
    parts: list[str] = []
    spans: list[Block] = []
    pos = 0
    for (text, _), kind in zip(blocks, kinds):
        if parts:
            parts.append("\n\n")
            pos += 2
        parts.append(text)
        spans.append(Block(kind, pos, pos + len(text)))
        pos += len(text)
    return NormalisedText("".join(parts), tuple(spans))
