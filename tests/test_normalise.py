"""Normalisation of the seed article and of small made-up texts: offsets, blocks, markup."""
from __future__ import annotations

import pytest

from conftest import SEED_ARTICLE
from index.normalise import normalise, repeats_paragraph_start, strip_markup


@pytest.fixture(scope="module")
def seed():
    return normalise(SEED_ARTICLE.read_text(encoding="utf-8"))


def kinds(doc, kind):
    return [doc.block_text(b) for b in doc.blocks if b.kind == kind]


def test_emphasis_is_stripped(seed):
    assert "**" not in seed.text
    assert "over the deaths of two ethnic Azerbaijanis" in seed.text


def test_paragraphs_broken_mid_sentence_are_rejoined(seed):
    assert "other property, and conspiracy to carry out an illegal enterprise." in seed.text
    assert "injured in the raids, officials said, with nine people detained." in seed.text
    paragraphs = kinds(seed, "paragraph")
    assert not any(p.startswith(("conspiracy to carry", "said, with nine")) for p in paragraphs)


def test_byline_title_and_headings_are_kept_as_such(seed):
    assert kinds(seed, "byline") == ["By: TA | AP Insight"]
    assert kinds(seed, "title") == ["The arrest of Russians in Azerbaijan – a new distancing between Baku and Moscow"]
    assert kinds(seed, "heading") == [
        "2 Russians ordered held for up to 4 months in Azerbaijan",
        "A police raid in Yekaterinburg, Russia",
        "Azerbaijan protests the deaths in custody",
    ]


def test_the_three_pull_quotes_are_recognised(seed):
    quotes = kinds(seed, "pullquote")
    assert len(quotes) == 3
    assert quotes[0].startswith("Diplomats from the Russian Consulate")
    assert quotes[1].startswith("Migrants from Muslim-majority countries")
    assert quotes[2].startswith("In May, President Ilham Aliyev declined")


def test_block_offsets_index_the_document_text(seed):
    starts = [b.start for b in seed.blocks]
    assert starts == sorted(starts)
    for block in seed.blocks:
        text = seed.text[block.start:block.end]
        assert text == text.strip() and text


@pytest.mark.parametrize("raw, expected", [
    ("the **deaths** of", "the deaths of"),
    ("a __bold__ move", "a bold move"),
    ("an *italic* word", "an italic word"),
    ("see [the report](https://example.org/x) now", "see the report now"),
    ("snake_case_name stays", "snake_case_name stays"),
    ("2 * 3 * 4", "2 * 3 * 4"),
])
def test_strip_markup(raw, expected):
    assert strip_markup(raw) == expected


def test_markdown_headings_and_soft_wraps():
    doc = normalise("# Storm hits coast\n\nBy Jane Roe\n\nThe storm arrived\nat dawn on Sunday.\n\n## Damage\n\nRoofs were torn off.\n")
    assert [(b.kind, doc.block_text(b)) for b in doc.blocks] == [
        ("title", "Storm hits coast"), ("byline", "By Jane Roe"),
        ("paragraph", "The storm arrived at dawn on Sunday."), ("heading", "Damage"),
        ("paragraph", "Roofs were torn off."),
    ]


def test_heading_that_only_shares_words_is_not_a_pull_quote():
    assert not repeats_paragraph_start(
        "A police raid in Yekaterinburg, Russia",
        "The detentions followed Russian police raids Friday on the homes of people in Yekaterinburg, Russia.")
    assert repeats_paragraph_start(
        "In May, President Jane Doe declined to attend the parade in the capital",
        "In May, Doe declined to attend the parade in the capital. Later that month, ministers met.")


def test_crlf_bom_and_nbsp_are_normalised():
    doc = normalise("\ufeffTitle line\r\n\r\nFirst\u00a0sentence here.\r\n")
    assert doc.text == "Title line\n\nFirst sentence here."
