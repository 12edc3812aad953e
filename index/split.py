"""Document text -> sentences with ``[start, end)`` offsets (spaCy's parser decides boundaries).

Sentences are also the retrieval chunks: each is embedded on its own, so a retrieved chunk is
exactly the passage a citation shows. Pull-quotes and bylines produce no sentences.
"""
from __future__ import annotations

from dataclasses import dataclass

from index import nlp
from index.normalise import NormalisedText

ANSWERABLE_KINDS = ("title", "heading", "paragraph")
MIN_SENTENCE_CHARS = 3


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    kind: str      # the kind of block it stands in: title, heading or paragraph
    position: int  # running number within the document


def split_sentences(doc: NormalisedText) -> list[Sentence]:
    """Split every answerable block into sentences; offsets index ``doc.text``."""
    blocks = [b for b in doc.blocks if b.kind in ANSWERABLE_KINDS]
    parsed = nlp.pipeline().pipe(doc.block_text(b) for b in blocks)
    sentences: list[Sentence] = []
    for block, parsed_block in zip(blocks, parsed):
        if block.kind != "paragraph":  # a heading is one unit whatever the parser thinks
            spans = [(0, block.end - block.start)]
        else:
            spans = [_trimmed(parsed_block.text, s.start_char, s.end_char) for s in parsed_block.sents]
        for lo, hi in spans:
            if hi - lo >= MIN_SENTENCE_CHARS:
                start, end = block.start + lo, block.start + hi
                sentences.append(Sentence(start, end, doc.text[start:end], block.kind, len(sentences)))
    return _merge_fragments(doc.text, sentences)


def _trimmed(text: str, lo: int, hi: int) -> tuple[int, int]:
    while lo < hi and text[lo].isspace():
        lo += 1
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    return lo, hi


def _merge_fragments(text: str, sentences: list[Sentence]) -> list[Sentence]:
    """Glue a fragment the parser split off (no letters, or starts lowercase) to its sentence."""
    merged: list[Sentence] = []
    for s in sentences:
        prev = merged[-1] if merged else None
        fragment = not any(ch.isalpha() for ch in s.text) or s.text[:1].islower()
        if prev and fragment and prev.kind == s.kind == "paragraph" and "\n" not in text[prev.end:s.start]:
            merged[-1] = Sentence(prev.start, s.end, text[prev.start:s.end], prev.kind, prev.position)
        else:
            merged.append(Sentence(s.start, s.end, s.text, s.kind, len(merged)))
    return merged
