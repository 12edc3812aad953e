"""Recognising questions about an article as a whole: the cues, all in this one module.

A question is *about the whole article* when it asks for its gist ("What is this article
about?", "tl;dr"), its main points ("Summarise the story", "What are the key facts?"), or the
facts a page states about itself: who wrote it, when, and where it comes from. Everything else
is an ordinary question and goes to the reader untouched::

    recognise("What is this article about?")          # -> Request("gist")
    recognise("Who wrote the story?")                  # -> Request("byline")
    recognise("What happened to the journalists?")     # -> None

A *bare* wording that could stand for something else ("What happened?", "What is it about?",
"Who is the author?") counts only as the first question of a conversation: later, "it" and "the
author" mostly stand for what the conversation is about (a book, an event). A wording that names
the article ("this story", "the article"), or can only mean it ("Summarise", "tl;dr", "What are
the main points?"), counts anywhere. A short follow-up ("And the second
article?", "What about the other one?") after a whole-article question asks the same of another
article (:func:`follow_up`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("gist", "points", "byline", "date", "source")

# "this article", "the story", "that piece" ... (what names the article itself)
_DOC = (r"(?:(?:this|the|that|your)(?: (?:news|whole|entire|full|above|following))? (?:article|story|piece|text|news"
        r"|document|post|news story|news article)|this report)")
_IT = r"(?:it|this|that)"                                     # bare: first question only
_OF_DOC = rf"(?: (?:of|in|from|for) {_DOC})"
_POLITE = re.compile(r"^(?:(?:so|ok|okay|hi|hello|hey|well|please|now|first|just|quickly|briefly),? )+"
                     r"|^(?:can|could|would|will) you (?:please )?|^(?:please )?(?:tell me|i want to know|i'd like to know"
                     r"|let me know|show me|give me|explain)(?: briefly)?,? ")
_TAIL = re.compile(r"(?:,? (?:please|for me|briefly|quickly|in short|in brief|in a few words|in a nutshell"
                   r"|in (?:one|a|two|three|a few|five|\d) (?:sentence|sentences|lines?|words|points|bullets|bullet points)))+$")

# (kind, wordings that count anywhere, bare wordings that count in the first question only);
# each is matched against the whole question
CUES: tuple[tuple[str, str, str], ...] = (
    ("gist",
     rf"what(?: is| was|'s) {_DOC} (?:all |mainly |mostly |really )?about"
     rf"|what (?:is|does) {_DOC} (?:say|saying|tell us|cover|covering|describe|discuss|report|reporting)"
     rf"|(?:what(?: is|'s) )?(?:the )?(?:gist|main idea|main topic|topic|subject|headline|title|central idea|main story|premise|thrust){_OF_DOC}"
     rf"|(?:what(?: is|'s) )?(?:the )?(?:gist|headline|tl;? ?dr|tldr)(?: {_IT}| of {_IT})?|what happened in {_DOC}|what is {_DOC}"
     rf"|(?:describe|explain) {_DOC}(?: briefly)?|in (?:a nutshell|brief|short),? what(?: is|'s) {_DOC} about",
     rf"what(?: is| was|'s) {_IT} (?:all |mainly |mostly |really )?about|what happened|what(?: is|'s) (?:going on|the news|new)"
     rf"|what(?: is|'s) (?:the )?(?:main idea|main topic|topic|subject|title|story|news)|what is this"
     rf"|in (?:a nutshell|brief|short)|what does {_IT} say"),
    ("points",
     rf"(?:summari[sz]e|sum up|recap|outline|condense|digest|break down) {_DOC}(?: for me)?"
     rf"|(?:a |the )?(?:short |brief |quick |one-line )?(?:summary|overview|recap|synopsis|rundown|outline|digest|abstract){_OF_DOC}"
     rf"|(?:what are )?(?:the )?(?:main|key|important|most important|major|big|essential|central|core) (?:points|facts|takeaways|ideas|details|things|findings|messages|issues|events|highlights|news){_OF_DOC}"
     rf"|(?:what are )?(?:the )?(?:takeaways|key takeaways|highlights|bullet points){_OF_DOC}"
     rf"|what (?:do|should) i (?:need to )?know about {_DOC}|what are the facts{_OF_DOC}"
     rf"|summari[sz]e|sum up|(?:what(?: is|'s) )?(?:a |the )?(?:short |brief |quick |one-line )?(?:summary|overview|synopsis|rundown)"
     rf"|(?:what are )?(?:the )?(?:main|key|most important|essential) (?:points|facts|takeaways|ideas)|(?:what are )?(?:the )?(?:key )?takeaways",
     rf"(?:summari[sz]e|sum up|sum it up|recap|outline) {_IT}|(?:a |the )?(?:short |brief |quick )?(?:summary|overview|recap|synopsis|rundown) of {_IT}"
     rf"|(?:what are )?(?:the )?(?:important|major) (?:points|facts|takeaways|ideas|things|findings)"
     rf"|(?:what are )?(?:the )?(?:main|key) (?:things|findings)|(?:what are )?(?:the )?highlights|what do i need to know"),
    ("byline",
     rf"who (?:wrote|authored|penned|is the author of|was the author of|is the writer of) {_DOC}"
     rf"|who(?: is|'s| was) {_DOC} (?:written |reported )?by|(?:by )?whom (?:was|is) {_DOC} written"
     rf"|(?:who(?: is|'s| was) )?(?:the )?(?:author|writer|reporter|journalist|byline|correspondent)s?{_OF_DOC}"
     rf"|(?:which|what) (?:journalist|reporter|author|writer) (?:wrote|filed) {_DOC}|(?:what(?: is|'s) )?(?:the )?byline",
     rf"who (?:wrote|authored|penned) {_IT}|who(?: is|'s| was) {_IT} (?:written )?by|(?:by )?whom (?:was|is) {_IT} written"
     rf"|who(?: is|'s| was) the (?:author|writer|reporter|journalist)"),
    ("date",
     rf"when (?:was|is) {_DOC} (?:published|written|posted|dated|filed|released|put out|from)"
     rf"|(?:what(?: is|'s) )?(?:the )?(?:date|publication date|dateline|publishing date|date of publication){_OF_DOC}"
     rf"|(?:what|which) (?:day|date|year) (?:was|is) {_DOC} (?:published|written|posted|from|dated)"
     rf"|how (?:old|recent) is {_DOC}|(?:what(?: is|'s) )?(?:the )?(?:publication date|dateline)",
     rf"when (?:was|is) {_IT} (?:published|written|posted|dated)"),
    ("source",
     rf"(?:where|which (?:agency|outlet|newspaper|paper|publication|site|website|source|news agency|media|news outlet)) "
     rf"(?:is|was|does|did) {_DOC} (?:from|published|come from|published in|appear in|run in|appear)"
     rf"|(?:what(?: is|'s) )?(?:the )?(?:source|news agency|agency|outlet|publication|publisher|newspaper|news source){_OF_DOC}"
     rf"|who (?:published|publishes|released|put out|ran|syndicated) {_DOC}",
     rf"where (?:is|was|does|did) {_IT} (?:from|come from|published)|who (?:published|released) {_IT}"
     rf"|(?:which|what) (?:agency|outlet|newspaper|paper|publication|news agency) is {_IT} from"),
)
_COMPILED = tuple((kind, re.compile(rf"(?:{named})"), re.compile(rf"(?:{bare})")) for kind, named, bare in CUES)

ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
            "fifth": 4, "5th": 4, "last": -1, "other": None, "next": None}
_FOLLOW_UP = re.compile(r"^(?:and|what about|how about|now|same for|and what about|and how about|then)?,? ?(?:for |of )?"
                        r"(?:the |this )?(?P<which>" + "|".join(ORDINALS) + r"|\w+(?: \w+)?)"
                        r" ?(?:one|article|story|piece|text|report)?$")


@dataclass(frozen=True)
class Request:
    """What a whole-article question asks for: ``kind`` (one of ``KINDS``), and for a follow-up
    which article (``ordinal``: its place among the articles in scope, -1 the last; ``None`` with
    ``words`` naming it, or "other": ``other`` is True)."""

    kind: str
    ordinal: int | None = None
    words: str = ""
    other: bool = False


def normalise_question(question: str) -> str:
    """``"  Could you please summarise the article?! "`` -> ``"summarise the article"``."""
    text = " ".join(question.lower().replace("\u2019", "'").replace("\u2018", "'").split())
    text = text.strip(" ?!.:;\"'")
    for _ in range(3):
        stripped = _TAIL.sub("", _POLITE.sub("", text)).strip(" ,?!.:;")
        if stripped == text:
            break
        text = stripped
    return text


def recognise(question: str, first: bool = True) -> Request | None:
    """The whole-article request a question makes, or None for an ordinary question.
    ``first``: the question opens the conversation (bare wordings count only then)."""
    text = normalise_question(question)
    for kind, named, bare in _COMPILED:
        if named.fullmatch(text) or (first and bare.fullmatch(text)):
            return Request(kind)
    return None


def follow_up(question: str, previous: Request | None) -> Request | None:
    """"And the second article?" after a whole-article question: the same request of another
    article (by its place in the scope, "other", or words of its name or title)."""
    if previous is None:
        return None
    match = _FOLLOW_UP.fullmatch(normalise_question(question))
    if match is None:
        return None
    which = match.group("which")
    if which in ORDINALS:
        return Request(previous.kind, ORDINALS[which], other=which in ("other", "next"))
    return Request(previous.kind, None, words=which)
