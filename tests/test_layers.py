"""The house's layers, read from the source with ``ast``: no module imports from a layer above its
own, and no two files import each other, directly or round a circle. Every import counts, also
one inside a function or under ``TYPE_CHECKING``.

Bottom to top: the foundation (types, errors, settings, text, passage, lexicon) < the store
(``index``) < the answering core (the rest of ``qa``) < the measuring tools (``qa.evaluation``)
< the front ends (``ui``).
"""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGES = ("qa", "index", "ui")
LAYERS = {   # a module is in the layer of the longest of these names that is it or a package above it
    "qa.types": 0, "qa.errors": 0, "qa.settings": 0, "qa.text": 0, "qa.passage": 0, "qa.lexicon": 0,
    "index": 1,
    "qa": 2,
    "qa.evaluation": 3,
    "ui": 4,
}
NAMES = ("foundation", "index", "core", "evaluation", "ui")


def modules(root: Path) -> dict[str, Path]:
    """Dotted name -> file, for every module of the packages under ``root``."""
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of ``known`` that module ``name`` (its file ``path``) imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                above = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(above + ([node.module] if node.module else []))
            # `from qa.reader import features` imports the module qa.reader.features
            targets.update(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names)
    return {owner(t, known) for t in targets} - {None, name}


def owner(target: str, known: dict[str, Path]) -> str | None:
    """The module of ``known`` that ``target`` names or lies in (``qa.api.ask`` -> ``qa.api``)."""
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target or None


def layer(name: str) -> int:
    while name not in LAYERS:
        name = name.rpartition(".")[0]
    return LAYERS[name]


def graph(root: Path) -> dict[str, set[str]]:
    known = modules(root)
    return {name: imported(name, path, known) for name, path in known.items()}


def upward(edges: dict[str, set[str]]) -> list[str]:
    return [f"{a} ({NAMES[layer(a)]}) imports {b} ({NAMES[layer(b)]})"
            for a, targets in sorted(edges.items()) for b in sorted(targets) if layer(b) > layer(a)]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while not group or group[-1] != v:
                group.append(stack.pop())
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return groups


def test_no_module_imports_from_a_layer_above_its_own():
    assert upward(graph(ROOT)) == []


def test_no_import_cycle_between_files():
    assert cycles(graph(ROOT)) == []


def test_the_layers_are_the_ones_the_readme_names():
    assert [NAMES[layer(m)] for m in ("qa.text", "index.build", "qa.reader.span", "qa", "qa.evaluation.speed.bench",
                                      "ui.cli.main")] == ["foundation", "index", "core", "core", "evaluation", "ui"]


def test_the_checks_catch_an_upward_import_and_a_circle(tmp_path):
    files = {
        "qa/__init__.py": "",
        "qa/text.py": "",
        "qa/reader/__init__.py": "def f():\n    from qa.evaluation.squad import score\n",
        "qa/reader/syntax.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .features import Span\n",
        "qa/reader/features.py": "from qa.reader import syntax\n",
        "qa/evaluation/__init__.py": "",
        "qa/evaluation/squad.py": "from qa.text import normalize_answer\n",
        "index/__init__.py": "import qa.reader\n",
        "ui/__init__.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    edges = graph(tmp_path)
    assert upward(edges) == ["index (index) imports qa.reader (core)",
                             "qa.reader (core) imports qa.evaluation.squad (evaluation)"]
    assert cycles(edges) == [["qa.reader.features", "qa.reader.syntax"]]
