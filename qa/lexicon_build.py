"""Build the WordNet tables qa/lexicon.py asks, from Debian's WordNet 3.0 files (install time).

``make install`` runs ``python -m qa.lexicon_build``: it reads Debian's ``wordnet-base`` files in
/usr/share/wordnet (``WORDNET_FILES``, and nothing else) once through NLTK's reader and writes
the few tables Verbatim needs into a small SQLite file. ``index.sense`` (Debian's
``wordnet-sense-index``) is not needed. Nothing is downloaded: ``nltk.download`` is never called.
"""
from __future__ import annotations

import contextlib
import shutil
import sqlite3
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Iterator

from qa.errors import LexiconMissingError
from qa.lexicon import FORMAT, lexicon_file

WORDNET_DIR = Path("/usr/share/wordnet")
WORDNET_PACKAGE = "wordnet-base"
# Every file the build reads (the Makefile checks the same list): Debian's wordnet-base carries
# them all. NLTK's reader would also open index.sense (package wordnet-sense-index); see _reader.
WORDNET_FILES = ("data.noun", "data.verb", "data.adj", "data.adv", "index.noun", "index.verb", "index.adj",
                 "index.adv", "noun.exc", "verb.exc", "adj.exc", "adv.exc")
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


def missing_wordnet_files(source: Path = WORDNET_DIR) -> list[str]:
    """The files of ``WORDNET_FILES`` that ``source`` lacks (all of them when it does not exist)."""
    return [name for name in WORDNET_FILES if not (source / name).is_file()]


def _check_source(source: Path) -> None:
    missing = missing_wordnet_files(source)
    if missing:
        what = f"{source} does not exist" if not source.is_dir() else f"{source} lacks {', '.join(missing)}"
        raise LexiconMissingError(
            f"Debian's WordNet 3.0 is not installed ({what}). Install the package that carries these files: "
            f"`sudo apt-get install {WORDNET_PACKAGE}` (with `--reinstall` if it is installed but files are gone), "
            f"then run `make install`.")


def _reader(root: Path):
    """NLTK's WordNet reader over ``root``, without the sense index.

    On start NLTK reads ``index.sense`` twice to map WordNet 3.0 to itself for its multilingual
    (OMW) data; nothing here uses that map, and Debian ships the sense index in another package
    (wordnet-sense-index). Synsets, lemmas, their order and relations come from the data.*,
    index.* and *.exc files alone."""
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class WordNetFiles(WordNetCorpusReader):
        def map_wn(self, version="wordnet"):
            return None

    with warnings.catch_warnings():   # "multilingual functions are not available": not wanted
        warnings.simplefilter("ignore", UserWarning)
        return WordNetFiles(str(root), None)


@contextlib.contextmanager
def _nltk_copy(source: Path) -> Iterator[Path]:
    """A temporary copy of the files the build reads, in the layout NLTK expects, with the
    ``lexnames`` list NLTK needs and Debian does not ship."""
    import nltk

    data = Path(tempfile.mkdtemp(prefix="verbatim-wordnet-")) / "nltk_data"
    root = data / "corpora" / "wordnet"
    root.mkdir(parents=True)
    nltk.data.path.insert(0, str(data))   # NLTK only reads corpora under its data roots
    try:
        for name in WORDNET_FILES:   # copied: NLTK refuses paths outside its roots
            shutil.copyfile(source / name, root / name)
        (root / "lexnames").write_text("".join(f"{n:02d}\t{name}\t{_lexname_pos(name)}\n"
                                               for n, name in enumerate(LEXNAMES)), encoding="utf-8")
        yield root
    finally:
        nltk.data.path.remove(str(data))
        shutil.rmtree(data.parent, ignore_errors=True)


def _lexname_pos(name: str) -> int:
    return {"adj": 3, "adv": 4, "noun": 1, "verb": 2}[name.split(".")[0]]


def build(out: Path, source: Path = WORDNET_DIR) -> Path:
    """Write the lookup tables read from the WordNet files in ``source`` into ``out`` (atomically)."""
    _check_source(source)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    part.unlink(missing_ok=True)
    try:
        with _nltk_copy(source) as root:
            _write_tables(part, _reader(root))
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    part.replace(out)
    (out.parent / "LICENSE-WORDNET").write_text(LICENCE, encoding="utf-8")
    return out


def _write_tables(path: Path, wn) -> None:
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE synset (id INTEGER PRIMARY KEY, lexname TEXT);
        CREATE TABLE lemma (word TEXT, pos TEXT, rank INTEGER, synset INTEGER);
        CREATE TABLE hypernym (synset INTEGER, parent INTEGER);
        CREATE TABLE derived (word TEXT, other TEXT);
    """)
    ids = {synset.name(): n for n, synset in enumerate(wn.all_synsets())}
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
    # NLTK keeps a synset's hypernyms in a set; sorted, two builds are identical byte for byte.
    db.executemany("INSERT INTO hypernym VALUES (?, ?)", sorted(hypernyms))
    db.executemany("INSERT INTO derived VALUES (?, ?)", sorted(derived))


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m qa.lexicon_build",
                                     description="build the WordNet tables from Debian's wordnet-base")
    parser.add_argument("target", nargs="?", type=Path, default=None,
                        help="the SQLite file to write (default: $QA_LEXICON or .cache/lexicon/wordnet-3.0.sqlite)")
    parser.add_argument("--force", action="store_true", help="rebuild even if the file exists")
    parser.add_argument("--source", type=Path, default=WORDNET_DIR, help=f"the WordNet folder (default {WORDNET_DIR})")
    args = parser.parse_args(argv)
    target = args.target or lexicon_file()
    if target.exists() and not args.force:
        print(f"WordNet tables already built: {target}")
        return 0
    try:
        print(f"WordNet tables written: {build(target, args.source)}")
    except LexiconMissingError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
