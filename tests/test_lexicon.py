"""WordNet through the tables `make install` builds (qa/lexicon_build.py from Debian's
wordnet-base, without the sense index): no NLTK when asking."""
from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys

import pytest

from conftest import ROOT
from qa import lexicon, lexicon_build
from qa.errors import LexiconMissingError

TABLES = ("meta", "synset", "lemma", "hypernym", "derived")


@pytest.mark.parametrize("word, related, how", [
    ("die", "death", "derivation"), ("operate", "operator", "derivation"), ("own", "owner", "derivation"),
    ("purchase", "buy", "synonym"), ("own", "possess", "synonym"),
])
def test_related_words(word, related, how):
    assert lexicon.related(word)[related] == how


def test_hypernyms_type_nouns():
    assert lexicon.is_kind_of("guitar", "instrument")
    assert lexicon.is_kind_of("sedan", "car") and lexicon.is_kind_of("car", "vehicle")
    assert not lexicon.is_kind_of("guitar", "vehicle")
    assert lexicon.supersense("minister") == "person" and lexicon.supersense("city") == "location"
    assert lexicon.verb_supersense("say") == "communication"


def test_unknown_words_are_simply_unrelated():
    assert lexicon.related("qwzx") == {} and lexicon.kinds("qwzx") == frozenset() and lexicon.supersense("qwzx") == ""


def test_a_missing_table_says_how_to_build_it(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_LEXICON", str(tmp_path / "none.sqlite"))
    lexicon._db.cache_clear()
    try:
        with pytest.raises(LexiconMissingError, match="make install"):
            lexicon._db()
    finally:
        monkeypatch.undo()
        lexicon._db.cache_clear()


def test_asking_the_tables_imports_no_nltk():
    code = "import sys, qa.lexicon as l; l.related('die'); l.kinds('car'); print('nltk' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def rows(path, table: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return sorted(db.execute(f"SELECT * FROM {table}"))


@pytest.mark.slow
def test_the_build_reads_only_wordnet_base_and_needs_no_sense_index(tmp_path):
    """A full build (about 25 s) from a folder holding only the files the build names, so no
    index.sense: its tables are those the installed file holds."""
    if lexicon_build.missing_wordnet_files() or not lexicon.lexicon_file().exists():
        pytest.skip("needs Debian's wordnet-base and the built tables (make install)")
    source = tmp_path / "wordnet"
    source.mkdir()
    for name in lexicon_build.WORDNET_FILES:
        shutil.copyfile(lexicon_build.WORDNET_DIR / name, source / name)
    built = lexicon_build.build(tmp_path / "out" / "wordnet.sqlite", source)
    assert sorted(p.name for p in built.parent.iterdir()) == ["LICENSE-WORDNET", "wordnet.sqlite"]
    for table in TABLES:
        assert rows(built, table) == rows(lexicon.lexicon_file(), table), table


def test_without_the_wordnet_folder_the_build_names_the_package_to_install(tmp_path):
    with pytest.raises(LexiconMissingError, match=r"nowhere does not exist.*apt-get install wordnet-base"):
        lexicon_build.build(tmp_path / "out.sqlite", tmp_path / "nowhere")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_wordnet_file_is_named_with_its_package(tmp_path):
    for name in lexicon_build.WORDNET_FILES:
        if name != "verb.exc":
            (tmp_path / name).touch()
    with pytest.raises(LexiconMissingError, match=r"lacks verb\.exc\).*apt-get install wordnet-base"):
        lexicon_build.build(tmp_path / "out.sqlite", tmp_path)


def test_the_command_says_which_package_in_one_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "qa.lexicon_build", "--source", str(tmp_path / "nowhere"),
                          str(tmp_path / "out.sqlite")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and out.stdout == ""
    assert "wordnet-base" in out.stderr and len(out.stderr.splitlines()) == 1


def test_the_makefile_checks_every_file_the_build_opens():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    listed = re.search(r"^WORDNET_FILES\s*:=\s*\$\(addprefix [^,]+,(.*?)\)$", makefile, re.M | re.S).group(1)
    assert sorted(listed.replace("\\", " ").split()) == sorted(lexicon_build.WORDNET_FILES)
