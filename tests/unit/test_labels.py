"""Every code shown to people has a label in `core.labels`: the domains' state tuples, the
payment and outbox statuses the services write, every mail template (outbox kind), every
audit action the sources record and every key of its data. The codes are read from the
sources themselves, so a new state, mail or audit action without a label fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from awards.models import (
    CONFLICT_SOURCES,
    CONFLICT_STATES,
    ENTRY_OUTCOMES,
    ENTRY_STATES,
    JURY_ROLES,
    SCORECARD_STATES,
)
from core.labels import LABELS, audit_details, label
from core.outbox.delivery import TRANSITIONS
from events.payments import RegEvent, RegState
from events.pricing import Audience

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "awards", "events", "privacy", "podium", "demo")
RECORD_CONTEXT = {"now", "actor", "scope"}


def _modules(*packages: str) -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text(encoding="utf-8")))
        for package in packages
        for path in sorted((ROOT / package).rglob("*.py"))
    ]


def _name(node: ast.AST) -> str | None:
    return getattr(node, "id", None) or getattr(node, "attr", None)


def _status_literals(*paths: str) -> set[str]:
    """String constants the modules at `paths` write to or compare with a `status` attribute,
    or pass as `status=` / `to=` (payments have no table of statuses to read)."""
    found: set[str] = set()
    for path in paths:
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            keyword = isinstance(node, ast.keyword) and node.arg in ("status", "to")
            assigned = isinstance(node, ast.Assign) and any(
                _name(t) == "status" for t in node.targets
            )
            if keyword or assigned:
                values = [node.value]
            elif isinstance(node, ast.Compare) and _name(node.left) == "status":
                values = node.comparators
            else:
                continue
            for value in values:
                elements = value.elts if isinstance(value, ast.Tuple) else [value]
                found |= {
                    e.value
                    for e in elements
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                }
    return found


def _constants(node: ast.AST) -> list[str]:
    """The string constants `node` may evaluate to (a constant or a conditional of them)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    return []


def _recorded() -> tuple[set[str], set[str], list[str]]:
    """(audit actions, data keys, calls this reader cannot resolve) over every package."""
    session_closed = {
        k.value.value
        for _, tree in _modules("events")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _name(node.func) == "_session_closed"
        for k in node.keywords
        if k.arg == "to" and isinstance(k.value, ast.Constant)
    }
    expansions = {
        'f"payment.{to}"': {f"payment.{to}" for to in session_closed},
        'f"registration.{what.value}"': {f"registration.{e.value}" for e in RegEvent},
    }
    actions: set[str] = set()
    keys: set[str] = set()
    unresolved: list[str] = []
    for path, tree in _modules(*PACKAGES):
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            assigned = {
                value
                for node in ast.walk(function)
                if isinstance(node, ast.Assign) and any(_name(t) == "action" for t in node.targets)
                for value in _constants(node.value)
            }
            for node in ast.walk(function):
                if not (isinstance(node, ast.Call) and _name(node.func) == "record" and node.args):
                    continue
                if function.name == "record":
                    continue
                first = node.args[0]
                source = ast.unparse(first).replace("'", '"')
                if _constants(first):
                    actions.update(_constants(first))
                elif isinstance(first, ast.Name) and first.id == "action" and assigned:
                    actions |= assigned
                elif source in expansions:
                    actions |= expansions[source]
                else:
                    unresolved.append(f"{path.relative_to(ROOT)}: record({source}, ...)")
                keys |= {k.arg for k in node.keywords if k.arg and k.arg not in RECORD_CONTEXT}
    return actions, keys, unresolved


@pytest.mark.parametrize(
    ("kind", "codes"),
    [
        ("registration", [s.value for s in RegState]),
        ("audience", [a.value for a in Audience]),
        ("entry", ENTRY_STATES),
        ("entry_result", ENTRY_OUTCOMES),
        ("scorecard", SCORECARD_STATES),
        ("conflict_status", CONFLICT_STATES),
        ("conflict_source", CONFLICT_SOURCES),
        ("jury_role", JURY_ROLES),
        (
            "payment",
            _status_literals(
                "events/services/checkout.py", "events/services/refunds.py", "events/models.py"
            ),
        ),
        (
            "outbox_status",
            {after for before, after in TRANSITIONS.values()}
            | {status for before, after in TRANSITIONS.values() for status in before},
        ),
        ("outbox_kind", {p.stem for p in (ROOT / "templates" / "mail").glob("*.txt")}),
    ],
)
def test_every_code_has_a_label(kind, codes):
    assert codes, f"no {kind} codes found: the reader of the sources is out of date"
    assert sorted(set(codes) - set(LABELS[kind])) == []


def test_every_recorded_audit_action_and_data_key_has_a_label():
    actions, keys, unresolved = _recorded()
    assert unresolved == [], "teach _recorded() the new action name (or use a constant)"
    assert len(actions) > 40 and {"payment.failed", "registration.cancel"} <= actions
    assert sorted(actions - set(LABELS["audit"])) == []
    assert sorted(keys - set(LABELS["audit_key"])) == []


def test_labels_are_no_codes():
    for kind, labels in LABELS.items():
        for code, text in labels.items():
            assert str(text) != code, (kind, code)
            assert "_" not in str(text), (kind, code)


def test_label_falls_back_to_the_code_and_audit_details_read_as_text():
    assert label("confirmed", "registration") == "Confirmed"
    assert label("something_new", "registration") == "something_new"
    assert label(None, "audience") == ""
    details = audit_details(
        {
            "from_state": "pending_payment",
            "to_state": "confirmed",
            "audience": "non_member",
            "draft_deleted": True,
            "domains": ["a.nl", "b.nl"],
            "before": {"name": "Acme"},
            "note": "",
        }
    )
    assert details == [
        ("Audience", "Non-member"),
        ("Before", "Name: Acme"),
        ("Domains", "a.nl, b.nl"),
        ("Draft scorecard deleted", "yes"),
        ("Note", "—"),
        ("State after", "Confirmed"),
        ("State before", "Awaiting payment"),
    ]
