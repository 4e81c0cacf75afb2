"""`results_export.stream_csv` (the command line's CSV, each column's cells made quickly)
writes exactly what `results_export.to_csv` (every value through `core.spreadsheets`'s
`cell_text`) writes, whatever the rows hold: guarded text, decimal text that does and does
not read back as itself, numbers, booleans, empty cells."""

from __future__ import annotations

import io
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from awards.services.results_export import CSV_FIELDS, stream_csv, to_csv

FIELDS = [*CSV_FIELDS, "idea", "craft", "comments"]
DECIMALS = {"total", "disagreement", "ratified_total", "win_share", "agreement_icc",
            "agreement_kendall_w", "idea", "craft"}  # fmt: skip

decimal_text = st.one_of(
    st.none(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),  # exponents, "-0", ...
    st.sampled_from(["7.50", "-0.00", "007.5", "1E+1", "0.001", "-12", "10", "+1.5", "1."]),
    st.decimals(allow_nan=False, allow_infinity=False),  # a Decimal itself
)
other = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.text(),
    st.sampled_from(["=SUM(A1)", "+1", "-2", "@x", "\tx", "\rx", "a\nb", 'say "hi"', "a,b"]),
)


def rows_of(fields):
    return st.lists(
        st.fixed_dictionaries({f: decimal_text if f in DECIMALS else other for f in fields}),
        max_size=5,
    )


@settings(max_examples=150, deadline=None)
@given(rows=rows_of(FIELDS))
def test_the_streamed_csv_is_to_csv(rows):
    out = io.StringIO(newline="")
    stream_csv(FIELDS, iter(rows), out)
    assert out.getvalue() == to_csv(FIELDS, rows)


def test_the_quick_cells_keep_the_rules():
    rows = [dict.fromkeys(FIELDS) | {"entry": "=E1", "total": "007.5", "rank": 3,
                                     "sufficient": True, "win_share": Decimal("1E+1")}]  # fmt: skip
    out = io.StringIO(newline="")
    stream_csv(FIELDS, rows, out)
    record = out.getvalue().splitlines()[1].split(",")
    assert record[FIELDS.index("entry")] == "'=E1"
    assert record[FIELDS.index("total")] == "7.5"
    assert record[FIELDS.index("win_share")] == "10"
    assert record[FIELDS.index("rank")] == "3"
    assert record[FIELDS.index("sufficient")] == "yes"
