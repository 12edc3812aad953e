"""The README is the map: every CLI command and every module appears in it."""
from __future__ import annotations

import re

from conftest import ROOT
from ui.cli.main import build_parser


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_cli_command_is_documented():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert re.search(rf"qa {name}\b", readme()), f"`qa {name}` is missing from README.md"


def test_every_module_is_on_the_map():
    for package in ("qa", "index", "ui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.name == "__init__.py":
                continue
            rel = path.relative_to(ROOT).as_posix()
            assert rel in readme(), f"{rel} is not described in README.md"


def test_the_two_setup_commands_are_there():
    assert "make chat" in readme() and "make test" in readme()
