"""Word knowledge from WordNet 3.0: synonyms, derivations, and what kind of thing a noun names.

The one module that asks WordNet. Reading WordNet through NLTK costs about 4 s per process, too
slow for a cold ``qa ask``, so ``python -m qa.lexicon_build`` (run by ``make install``) reads
Debian's WordNet files (``wordnet-base``, in /usr/share/wordnet) once and writes the few tables
Verbatim needs into a small SQLite file. Asking only opens that file.

    synonyms("buy")          -> {"purchase", ...}     lemmas of the word's most frequent senses
    derivations("die")       -> {"death", "dying", ...}  morphologically related words
    related("operate")       -> {"operator": "derivation", "run": "synonym", ...}
    kinds("guitar")          -> {"musical_instrument", "instrument", "device", ...}   hypernyms
    supersense("minister")   -> "person"                  WordNet's lexicographer file
    verb_supersense("say")   -> "communication"

WordNet 3.0 licence: see LICENSE-WORDNET
beside the built file (Princeton University; permissive, keep the notice).
"""
from __future__ import annotations

import functools
import os
import sqlite3
from pathlib import Path

from qa.errors import LexiconMissingError

DEFAULT_FILE = Path(__file__).resolve().parent.parent / ".cache" / "lexicon" / "wordnet-3.0.sqlite"
SENSES = 3          # a word's most frequent senses that count (WordNet lists senses by frequency)
FORMAT = "verbatim-wordnet 1"


def lexicon_file() -> Path:
    return Path(os.environ.get("QA_LEXICON") or DEFAULT_FILE)


@functools.lru_cache(maxsize=1)
def _db() -> sqlite3.Connection:
    path = lexicon_file()
    if not path.exists():
        raise LexiconMissingError(f"The WordNet tables are not built ({path} is missing). Run `make install` "
                                  f"(or `python -m qa.lexicon_build` after `apt-get install wordnet-base`).")
    db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
    found = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    if not found or found[0] != FORMAT:
        raise LexiconMissingError(f"{path} was built by another version; rebuild it with `make install` (or `python -m qa.lexicon_build --force`).")
    return db


def _senses(word: str, pos: str | None) -> list[int]:
    sql = "SELECT synset FROM lemma WHERE word = ? AND rank < ?" + (" AND pos = ?" if pos else "")
    return [row[0] for row in _db().execute(sql, (word, SENSES, pos) if pos else (word, SENSES))]


@functools.lru_cache(maxsize=20000)
def synonyms(word: str, pos: str | None = None) -> frozenset[str]:
    """Lemmas sharing one of ``word``'s most frequent senses (``pos``: "n", "v", "a", "r" or None)."""
    senses = _senses(word.lower(), pos)
    if not senses:
        return frozenset()
    marks = ",".join("?" * len(senses))
    rows = _db().execute(f"SELECT DISTINCT word FROM lemma WHERE synset IN ({marks})", senses)
    return frozenset(r[0] for r in rows) - {word.lower()}


@functools.lru_cache(maxsize=20000)
def derivations(word: str) -> frozenset[str]:
    """Words derived from or to ``word`` in any sense: "die" -> "death"; "operate" -> "operator"."""
    rows = _db().execute("SELECT other FROM derived WHERE word = ?", (word.lower(),))
    return frozenset(r[0] for r in rows) - {word.lower()}


@functools.lru_cache(maxsize=20000)
def related(word: str) -> dict[str, str]:
    """Words standing in for ``word``, each with how: "synonym", "derivation", or
    "derived synonym" (a synonym of a derived word: "death" ~ "decease" for "die")."""
    out = {w: "derived synonym" for d in derivations(word) for w in synonyms(d)}
    out.update({w: "derivation" for w in derivations(word)})
    out.update({w: "synonym" for w in synonyms(word)})
    out.pop(word.lower(), None)
    return out


@functools.lru_cache(maxsize=20000)
def kinds(noun: str) -> frozenset[str]:
    """Every hypernym (and instance-of) lemma above ``noun``'s most frequent senses."""
    frontier, seen = set(_senses(noun.lower().replace(" ", "_"), "n")), set()
    while frontier:
        seen |= frontier
        marks = ",".join("?" * len(frontier))
        frontier = {r[0] for r in _db().execute(f"SELECT parent FROM hypernym WHERE synset IN ({marks})",
                                                list(frontier))} - seen
    senses = set(_senses(noun.lower().replace(" ", "_"), "n"))
    above = list(seen - senses)
    if not above:
        return frozenset()
    marks = ",".join("?" * len(above))
    return frozenset(r[0] for r in _db().execute(f"SELECT DISTINCT word FROM lemma WHERE synset IN ({marks})", above))


def is_kind_of(noun: str, category: str) -> bool:
    """ "guitar" is a kind of "instrument"; "Paris" of "city"."""
    return category.lower().replace(" ", "_") in kinds(noun)


def supersense(noun: str) -> str:
    """The lexicographer file of the noun's most frequent sense ("person", "location", ...), or ""."""
    return _supersense(noun.lower().replace(" ", "_"), "n")


def verb_supersense(verb: str) -> str:
    """The same for a verb: "say" -> "communication", "believe" -> "cognition"."""
    return _supersense(verb.lower(), "v")


@functools.lru_cache(maxsize=20000)
def _supersense(word: str, pos: str) -> str:
    row = _db().execute("SELECT s.lexname FROM lemma l JOIN synset s ON s.id = l.synset "
                        "WHERE l.word = ? AND l.pos = ? ORDER BY l.rank LIMIT 1", (word, pos)).fetchone()
    return row[0].split(".", 1)[1] if row else ""
