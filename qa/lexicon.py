"""Word knowledge from WordNet 3.0: synonyms, derivations, and what kind of thing a noun names.

The one module that touches WordNet. Reading WordNet through NLTK costs about 4 s per process,
too slow for a cold ``qa ask``, so ``python -m qa.lexicon`` (run by ``make install``) reads
Debian's WordNet files (``wordnet-base``, in /usr/share/wordnet) once through NLTK's reader and
writes the few tables Verbatim needs into a small SQLite file. Asking only opens that file.

    synonyms("buy")          -> {"purchase", ...}     lemmas of the word's most frequent senses
    derivations("die")       -> {"death", "dying", ...}  morphologically related words
    related("operate")       -> {"operator": "derivation", "run": "synonym", ...}
    kinds("guitar")          -> {"musical_instrument", "instrument", "device", ...}   hypernyms
    supersense("minister")   -> "person"                  WordNet's lexicographer file
    verb_supersense("say")   -> "communication"

Nothing is downloaded: ``nltk.download`` is never called. WordNet 3.0 licence: see LICENSE-WORDNET
beside the built file (Princeton University; permissive, keep the notice).
"""
from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

from qa.errors import LexiconMissingError

WORDNET_DIR = Path("/usr/share/wordnet")
DEFAULT_FILE = Path(__file__).resolve().parent.parent / ".cache" / "lexicon" / "wordnet-3.0.sqlite"
SENSES = 3          # a word's most frequent senses that count (WordNet lists senses by frequency)
FORMAT = "verbatim-wordnet 1"
# The 45 lexicographer files of WordNet 3.0, which NLTK needs and Debian does not ship.
LEXNAMES = ("adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body "
            "noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location "
            "noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process "
            "noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change "
            "verb.cognition verb.communication verb.competition verb.consumption verb.contact verb.creation "
            "verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative verb.weather "
            "adj.ppl").split()
LICENCE = """WordNet Release 3.0. This software and database is being provided to you, the LICENSEE, by
Princeton University under the following license. [...] Permission to use, copy, modify and
distribute this software and database and its documentation for any purpose and without fee or
royalty is hereby granted, provided that you agree to comply with the following copyright notice
and statements, including the disclaimer, and that the same appear on ALL copies of the software,
database and documentation, including modifications that you make for internal use or for
distribution. WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. THIS
SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR
WARRANTIES, EXPRESS OR IMPLIED. The name of Princeton University or Princeton may not be used in
advertising or publicity pertaining to distribution of the software and/or database. Title to
copyright in this software, database and any associated documentation shall at all times remain
with Princeton University and LICENSEE agrees to preserve same.
"""


def lexicon_file() -> Path:
    return Path(os.environ.get("QA_LEXICON") or DEFAULT_FILE)


# --- asking -----------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _db() -> sqlite3.Connection:
    path = lexicon_file()
    if not path.exists():
        raise LexiconMissingError(f"The WordNet tables are not built ({path} is missing). Run `make install` "
                                  f"(or `python -m qa.lexicon` after `apt-get install wordnet-base`).")
    db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
    found = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    if not found or found[0] != FORMAT:
        raise LexiconMissingError(f"{path} was built by another version; rebuild it with `python -m qa.lexicon`.")
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


# --- building (install time) ----------------------------------------------------------------

def _reader(source: Path):
    """NLTK's WordNet reader over a copy of Debian's files in the layout NLTK expects."""
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    data = Path(tempfile.mkdtemp(prefix="verbatim-wordnet-")) / "nltk_data"
    root = data / "corpora" / "wordnet"
    root.mkdir(parents=True)
    nltk.data.path.insert(0, str(data))   # NLTK only reads corpora under its data roots
    for name in os.listdir(source):
        if (source / name).is_file():
            shutil.copyfile(source / name, root / name)   # copied: NLTK refuses paths outside its roots
    (root / "lexnames").write_text("".join(f"{n:02d}\t{name}\t{_lexname_pos(name)}\n"
                                           for n, name in enumerate(LEXNAMES)), encoding="utf-8")
    return WordNetCorpusReader(str(root), None), root


def _lexname_pos(name: str) -> int:
    return {"adj": 3, "adv": 4, "noun": 1, "verb": 2}[name.split(".")[0]]


def build(out: Path, source: Path = WORDNET_DIR) -> Path:
    """Write the lookup tables into ``out`` (atomically)."""
    if not (source / "data.noun").exists():
        raise LexiconMissingError(f"WordNet is not installed in {source}: `apt-get install wordnet-base`.")
    wn, root = _reader(source)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    part.unlink(missing_ok=True)
    db = sqlite3.connect(part)
    db.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE synset (id INTEGER PRIMARY KEY, lexname TEXT);
        CREATE TABLE lemma (word TEXT, pos TEXT, rank INTEGER, synset INTEGER);
        CREATE TABLE hypernym (synset INTEGER, parent INTEGER);
        CREATE TABLE derived (word TEXT, other TEXT);
    """)
    ids: dict = {}
    for n, synset in enumerate(wn.all_synsets()):
        ids[synset.name()] = n
    _fill(db, wn, ids)
    db.executescript("""
        CREATE INDEX lemma_word ON lemma (word, pos, rank);
        CREATE INDEX lemma_synset ON lemma (synset);
        CREATE INDEX hypernym_synset ON hypernym (synset);
        CREATE INDEX derived_word ON derived (word);
    """)
    db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", FORMAT), ("wordnet", wn.get_version())])
    db.commit()
    db.close()
    part.replace(out)
    (out.parent / "LICENSE-WORDNET").write_text(LICENCE, encoding="utf-8")
    shutil.rmtree(root.parents[2], ignore_errors=True)
    return out


def _fill(db: sqlite3.Connection, wn, ids: dict) -> None:
    lemmas, hypernyms, derived = [], [], set()
    for synset in wn.all_synsets():
        sid = ids[synset.name()]
        db.execute("INSERT INTO synset VALUES (?, ?)", (sid, synset.lexname()))
        hypernyms += [(sid, ids[h.name()]) for h in synset.hypernyms() + synset.instance_hypernyms()]
        for lemma in synset.lemmas():
            word = lemma.name().lower()
            for other in lemma.derivationally_related_forms() + lemma.pertainyms():
                derived.add((word, other.name().lower()))
                derived.add((other.name().lower(), word))
    for word in sorted({l.lower() for l in wn.all_lemma_names()}):
        for pos in "nvar":
            for rank, synset in enumerate(wn.synsets(word, pos) if pos != "a" else
                                          [s for s in wn.synsets(word) if s.pos() in "as"]):
                if word in {l.name().lower() for l in synset.lemmas()}:
                    lemmas.append((word, pos, rank, ids[synset.name()]))
    db.executemany("INSERT INTO lemma VALUES (?, ?, ?, ?)", lemmas)
    db.executemany("INSERT INTO hypernym VALUES (?, ?)", hypernyms)
    db.executemany("INSERT INTO derived VALUES (?, ?)", sorted(derived))


if __name__ == "__main__":
    paths = [a for a in sys.argv[1:] if not a.startswith("--")]
    target = Path(paths[0]) if paths else lexicon_file()
    if target.exists() and "--force" not in sys.argv:
        print(f"WordNet tables already built: {target}")
    else:
        print(f"WordNet tables written: {build(target)}")
