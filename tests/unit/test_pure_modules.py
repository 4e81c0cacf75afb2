"""The pure domain modules import neither Flask nor SQLAlchemy (nor Stripe): they take their
inputs, the clock included, as arguments."""

import subprocess
import sys

import pytest

PURE = [
    "awards.scoring",
    "awards.ranking",
    "awards.timeline",
    "awards.matching",
    "awards.assignment_plan",
    "awards.insight",
    "events.pricing",
    "events.payments",
    "events.tickets",
    "events.recurrence",
]


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_framework(module):
    code = (
        f"import sys, {module}; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'flask', 'sqlalchemy', 'stripe', 'flask_sqlalchemy'}); "
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_only_the_stripe_adapter_imports_stripe():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    importers = sorted(
        str(path.relative_to(root))
        for package in ("core", "awards", "events", "demo")
        for path in (root / package).rglob("*.py")
        if any(
            line.strip().startswith(("import stripe", "from stripe"))
            for line in path.read_text().splitlines()
        )
    )
    assert importers == ["events/stripe_gateway.py"]
