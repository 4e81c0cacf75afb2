"""The benchmarks' report: every bench/results/*.json (bench/harness.py `write_results`) as
one Markdown table, bench/results/README.md, and a bar chart of the ratios,
bench/results/bench.png (matplotlib, from the `bench` extra; without it only the table).

Each row says whether its target holds: a target is ">= x", "<= x" or "== x" on the ratio
when the row has a baseline, else on the figure itself; a row without a target is a figure
only.

    .venv/bin/python bench/report.py
"""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def met(row: dict) -> bool | None:
    """Whether `row`'s target holds (None when it has none or no figure to judge)."""
    target = (row.get("target") or "").strip()
    if not target:
        return None
    value = row.get("ratio") if row.get("baseline") is not None else row.get("podium")
    if value is None:
        return None
    op, _, limit = target.partition(" ")
    bound = float(limit)
    if op == ">=":
        return value >= bound
    if op == "<=":
        return value <= bound
    if op == "==":
        return value == bound
    raise ValueError(f"unknown target {target!r}")


def _figure(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{value:,}"


def markdown(documents: dict[str, dict], *, at: datetime, machine: str) -> str:
    """The table of every row of `documents` (name -> results document)."""
    lines = [
        "# Benchmark results",
        "",
        f"Measured up to {at:%Y-%m-%d %H:%M} UTC on {machine}. Written by `make bench` (bench/report.py);",
        "each ratio is against a baseline measured in the same run.",
        "",
        "| bench | what | Podium | baseline | ratio | unit | target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, document in sorted(documents.items()):
        for row in document["rows"]:
            verdict = {True: "yes", False: "**no**", None: ""}[met(row)]
            cells = [
                name,
                row["what"],
                _figure(row.get("podium")),
                _figure(row.get("baseline")),
                _figure(row.get("ratio")),
                row.get("unit", ""),
                row.get("target", ""),
                verdict,
            ]
            lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    notes = [
        f"- {name}: {n}" for name, doc in sorted(documents.items()) for n in doc.get("notes", [])
    ]
    if notes:
        lines += ["", "Notes:", "", *notes]
    return "\n".join(lines) + "\n"


def chart(documents: dict[str, dict], path: Path) -> bool:
    """A horizontal bar chart of every ratio; False when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rows = [r for doc in documents.values() for r in doc["rows"] if r.get("ratio") is not None]
    if not rows:
        return False
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(rows) + 1.5))
    colours = ["#2e7d32" if met(r) else "#c62828" if met(r) is False else "#607d8b" for r in rows]
    ax.barh([r["what"] for r in rows], [r["ratio"] for r in rows], color=colours)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("ratio against the baseline in the same run (log scale)")
    ax.axvline(1, color="black", linewidth=0.8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def load(folder: Path = RESULTS) -> dict[str, dict]:
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))
    }


def _measured_at(documents: dict[str, dict]) -> datetime:
    """When the newest results were measured (as their file says, else its time)."""
    times = [
        datetime.fromisoformat(doc["measured_at"].replace("Z", "+00:00"))
        if "measured_at" in doc
        else datetime.fromtimestamp((RESULTS / f"{name}.json").stat().st_mtime, UTC)
        for name, doc in documents.items()
    ]
    return max(times)


def main() -> int:
    documents = load()
    if not documents:
        print("no results in bench/results/: run the benches first", file=sys.stderr)
        return 1
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}"
    (RESULTS / "README.md").write_text(
        markdown(documents, at=_measured_at(documents), machine=machine), encoding="utf-8"
    )
    print(f"wrote {RESULTS / 'README.md'}")
    if chart(documents, RESULTS / "bench.png"):
        print(f"wrote {RESULTS / 'bench.png'}")
    else:
        print("matplotlib is not installed (pip install -e '.[bench]'): no chart")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
