"""Earlier turns of a conversation, from whatever the front end keeps: ``Answer`` objects,
Gradio message dicts (or the older ``[user, bot]`` pairs), or nothing."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from qa.conversation import rules
from qa.types import shown_words

ANTECEDENT_CONFIDENCE = 0.5   # below it an earlier answer is probably wrong: no antecedent


@dataclass(frozen=True)
class Turn:
    question: str          # as typed
    interpreted: str       # as the system read it (== question when nothing was resolved)
    answer: str            # the answer span text ("" when not found, or not trusted)
    found: bool
    evidence: str = ""     # the cited sentence (citations[0].quote) if any


def turns_from_history(history: Any) -> list[Turn]:
    """Earlier turns from ``qa.types.Answer`` objects, Gradio message dicts, or ``None``."""
    if not history:
        return []
    items = list(history)
    if all(isinstance(item, dict) for item in items):
        return _turns_from_messages(items)
    if all(isinstance(item, (list, tuple)) and len(item) == 2 for item in items):
        return _turns_from_pairs(items)
    return [_turn_from_answer(item) for item in items if hasattr(item, "question")]


def trusted(answer: Any) -> bool:
    """An earlier answer whose words the person saw and may lean on: an answer that was given and
    is probably right, or a "Not sure" with its tentative span (the person read that span; "And
    who ordered it?" builds on it as on an answer). "Not in the article" gives nothing to lean on.

    A wrong answer taken as the antecedent of every later "he" would make one mistake many.
    Objects without ``verdict`` / ``confidence`` count as given when ``found``.
    """
    found = bool(getattr(answer, "found", False))
    if not rules.on("trusted_answers"):
        return found
    verdict = getattr(answer, "verdict", "") or ("answer" if found else "absent")
    if verdict == "unsure":
        return bool(getattr(answer, "guess", ""))
    return found and verdict == "answer" and getattr(answer, "confidence", 1.0) >= ANTECEDENT_CONFIDENCE


def _turn_from_answer(answer: Any) -> Turn:
    citations = getattr(answer, "citations", ()) or ()
    given = trusted(answer)
    return Turn(
        question=answer.question,
        interpreted=getattr(answer, "interpreted", "") or answer.question,
        answer=shown_words(answer) if given else "",
        found=given,
        evidence=citations[0].quote if citations else "",
    )


def _turns_from_messages(messages: Sequence[dict]) -> list[Turn]:
    turns: list[Turn] = []
    question: str | None = None
    for message in messages:
        role, text = message.get("role"), _content_text(message.get("content"))
        if role == "user":
            if question is not None:  # a question that never got a reply
                turns.append(Turn(question, question, "", False))
            question = text.strip()
        elif role == "assistant" and question is not None:
            turns.append(_turn_from_reply(question, text))
            question = None
    return [turn for turn in turns if turn.question]


def _turns_from_pairs(pairs: Sequence[Sequence[Any]]) -> list[Turn]:
    """Gradio's older ``[[user, bot], ...]`` format."""
    return [_turn_from_reply(_content_text(user).strip(), _content_text(bot))
            for user, bot in pairs if _content_text(user).strip()]


def _content_text(content: Any) -> str:
    """Plain text from a message content: a string, a list of parts, or a dict (Gradio 6)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        for key in ("text", "content", "value"):
            if isinstance(content.get(key), (str, list, dict)):
                return _content_text(content[key])
        return ""  # a file or component: no text
    if isinstance(content, (list, tuple)):
        return "\n".join(part for part in map(_content_text, content) if part)
    return str(content)


_READ_AS = re.compile(r"^\W*read as\W*:?\W*(?P<q>.+?)\W*$", re.IGNORECASE)
# "Not sure: perhaps “...”": the person saw the tentative words, a follow-up may build on them
_NOT_SURE = re.compile(r"^\W*not sure\W*\s*perhaps\s*[\"“'‘]?(?P<guess>.+?)[\"”'’]?\s*$", re.IGNORECASE)
_NOT_FOUND = re.compile(r"\b(not found|no answer|couldn'?t find|could not find|does not say|"
                        r"doesn'?t say|not in the article|don'?t know|not sure)\b", re.IGNORECASE)


def _turn_from_reply(question: str, reply: str) -> Turn:
    """A turn from free assistant text: first plain line = answer, first quote = evidence."""
    answer, evidence, interpreted = "", "", question
    for line in reply.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        read_as = _READ_AS.match(_strip_markdown(stripped))
        if read_as:
            interpreted = read_as.group("q").strip().strip("\"'“”") or question
            if not interpreted.endswith("?") and question.endswith("?"):
                interpreted += "?"
        elif stripped.startswith(">"):
            evidence = evidence or _strip_markdown(stripped.lstrip("> ").strip())
        elif not answer:
            answer = _strip_markdown(stripped)
            guess = _NOT_SURE.match(answer)
            answer = guess.group("guess").strip() if guess else answer
    found = bool(answer) and not _NOT_FOUND.search(answer)
    return Turn(question, interpreted, answer if found else "", found, evidence)


def _strip_markdown(text: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)        # links and images
    text = re.sub(r"^(#+|[-*+]|\d+\.)\s+", "", text)               # headings, list markers
    text = re.sub(r"(\*\*|__|\*|`|~~)", "", text)                  # emphasis, code
    text = re.sub(r"(?<!\w)_(?=\S)|(?<=\S)_(?!\w)", "", text)      # _italic_
    return re.sub(r"\s+", " ", text).strip()
