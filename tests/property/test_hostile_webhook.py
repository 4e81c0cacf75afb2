"""Hostile requests at the Stripe webhook, from outside: random bodies with random, missing,
stale or wrong signatures are answered 400 with a JSON error and change nothing; correctly
signed but hostile events (NUL and lone surrogates in ids and types, odd shapes, deep
nesting, huge numbers) never raise: the answer is JSON, and a 4xx changes nothing. A 5xx
is only the webhook's deliberate "try again later" (503, or 500 for a refused fulfilment),
with its error code."""

from __future__ import annotations

import json
import time

from hypothesis import given
from hypothesis import strategies as st

from tests.property.hostile import SETTINGS, changed, hostile_text, snapshot
from tests.stripe_server import WEBHOOK_SECRET, sign

URL = "/events/stripe/webhook"
headers = st.one_of(
    st.none(),
    hostile_text,
    st.builds(lambda t, v: f"t={t},v1={v}", st.integers(), st.text(max_size=70)),
)
json_leaf = st.one_of(
    hostile_text,
    st.sampled_from(["\u0000", "\ud800", "evt_\x00", "checkout.session.completed", 10**400]),
    st.integers(),
    st.none(),
)
json_doc = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
events = st.fixed_dictionaries(
    {
        "id": json_leaf,
        "object": st.just("event"),
        "type": st.one_of(
            json_leaf,
            st.sampled_from(
                [
                    "checkout.session.completed",
                    "checkout.session.expired",
                    "checkout.session.async_payment_failed",
                    "charge.refunded",
                ]
            ),
        ),
        "data": st.one_of(json_doc, st.fixed_dictionaries({"object": json_doc})),
    }
)


def _post(client, body: bytes, header: str | None):
    extra = {"Stripe-Signature": header} if header is not None else {}
    return client.post(URL, data=body, headers={"Content-Type": "application/json", **extra})


def _json_answer(response) -> dict:
    answer = json.loads(response.get_data(as_text=True))
    assert "status" in answer or answer.get("error"), answer
    return answer


def test_unsigned_or_badly_signed_bodies_are_refused_and_change_nothing(app, client, stripe_api):
    before = snapshot()
    stale = sign(b"{}", timestamp=int(time.time()) - 10 * 24 * 3600)
    for body, header in ((b"", None), (b"{}", stale), (b"\x00" * 10, "t=1,v1=00")):
        response = _post(client, body, header)
        assert response.status_code == 400 and _json_answer(response)["error"]

    @SETTINGS
    @given(body=st.binary(max_size=2000) | hostile_text.map(str.encode), header=headers)
    def refused(body, header):
        response = _post(client, body, header)
        assert response.status_code == 400, response.get_data(as_text=True)
        assert _json_answer(response)["error"]

    refused()
    assert changed(before, snapshot()) == []


def test_signed_hostile_events_never_raise(app, client, stripe_api):
    deep = ("[" * 100_000 + "]" * 100_000).encode()

    @SETTINGS
    @given(event=events)
    def signed(event):
        body = json.dumps(event, ensure_ascii=True).encode()
        for payload in (body, deep):
            before = snapshot()
            response = _post(client, payload, sign(payload, WEBHOOK_SECRET))
            answer = _json_answer(response)
            if response.status_code >= 500:
                assert response.status_code in (500, 503) and answer.get("error"), answer
            if response.status_code >= 400:
                assert changed(before, snapshot()) == []

    signed()
