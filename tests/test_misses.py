"""The fit split's error table: each answerable row in one kind of outcome, per class of question."""
from __future__ import annotations

import pytest

from qa.evaluation import misses


def _row(best: str, gold: str, f1: float, cited: float | None = 1.0, cls: str = "which/what + noun") -> dict:
    return {"scored": True, "golds": [gold], "best": best, "f1_all": f1, "cited": cited, "class": cls}


@pytest.mark.parametrize("row, outcome", [
    (_row("Falcon 9", "Falcon 9", 1.0), "right"),
    (_row("Cape Canaveral", "Falcon 9", 0.0, cited=0.0), "wrong sentence"),
    (_row("Phobos", "Phobos and Deimos", 0.5 * 2 / 3), "list cut short"),
    (_row("cousin", "a cousin of the two fishermen", 0.4), "boundary"),
    (_row("in 1998", "Ann Hale", 0.0), "wrong type"),
    (_row("Joan Vale", "Ann Hale", 0.0), "wrong words"),
])
def test_each_miss_has_one_kind(row, outcome):
    assert misses.miss(row) == outcome


def test_the_table_splits_the_f1_lost_by_outcome():
    rows = [_row("Falcon 9", "Falcon 9", 1.0), _row("cousin", "a cousin of the two fishermen", 0.4, cls="who"),
            _row("x", "y", 0.0, cited=0.0, cls="who"), {"scored": True, "golds": [], "class": "who"}]
    table = misses.table(rows)
    assert table["who"]["questions"] == 2 and table["who"]["boundary"] == 0.5
    assert table["who"]["lost:boundary"] == pytest.approx(0.3) and table["who"]["lost:wrong sentence"] == 0.5
    assert table["all"]["questions"] == 3 and table["all"]["right"] == pytest.approx(1 / 3)
    assert "| which/what + noun | 1 | 1.000 | 1.00 |" in misses.markdown(table)
