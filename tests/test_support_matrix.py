"""docs/matrix.md holds the harness x variant x model table of tests/support_matrix.py, whose
every variant is one of the code's and every named test exists."""

from __future__ import annotations

import re
from pathlib import Path

from audiomcq_plugins.tasks import VARIANTS
from tests import support_matrix

ROOT = Path(__file__).resolve().parents[1]


def _cells():
    for table in (support_matrix.VARIANTS, support_matrix.MODELS):
        for cells in table.values():
            yield from cells.values()


def test_every_variant_has_a_row_for_every_harness():
    assert list(support_matrix.VARIANTS) == [v.suffix for v in VARIANTS]
    for table in (support_matrix.VARIANTS, support_matrix.MODELS):
        for row, cells in table.items():
            assert set(cells) == set(support_matrix.HARNESSES), row


def test_every_named_test_exists():
    for cell in _cells():
        if cell.startswith(("untested: ", "not offered: ")):
            continue
        path, _, name = cell.split(" ")[0].partition("::")
        text = (ROOT / path).read_text()
        assert re.search(rf"^def {name}\(", text, re.M), cell


def test_the_docs_hold_the_table():
    doc = (ROOT / "docs" / "matrix.md").read_text()
    table = doc.split("<!-- matrix:begin -->\n")[1].split("<!-- matrix:end -->")[0]
    assert table == support_matrix.render(), "docs/matrix.md is stale; it should hold:\n" + (
        support_matrix.render()
    )
