"""A local HTTP server that plays the parts of Stripe's API that Podium uses.

It runs `http.server` in a thread on 127.0.0.1 (a free port) and answers like Stripe:
form-encoded requests with bracketed keys (`line_items[0][price_data][currency]=eur`),
JSON responses, Stripe's error shape (`{"error": {"type": ..., "code": ..., "message": ...}}`)
and the Idempotency-Key header (same key and parameters: the first response again, with
`Idempotent-Replayed: true`; same key, other parameters: 400 `idempotency_error`).

Endpoints: POST /v1/checkout/sessions, GET /v1/checkout/sessions (the `payment_intent`
filter), GET /v1/checkout/sessions/<id>, POST /v1/checkout/sessions/<id>/expire,
POST /v1/refunds. Tests drive the customer's side with `mark_paid`, `complete_unpaid` +
`settle` (a delayed payment method), `expire` and the dashboard's `refund_in_dashboard`,
and inspect `requests`, `sessions` and `refunds`.
`clock` (a callable returning an aware datetime) is "now" for the expires_at rules.
`sign`, `event_body` and `post_webhook` make webhook requests signed the way Stripe signs them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Recorded:
    """One request as the server received it."""

    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]


class StripeApiError(Exception):
    def __init__(self, status: int, type_: str, message: str, code: str | None = None, param=None):
        super().__init__(message)
        self.status, self.type, self.message, self.code, self.param = (
            status,
            type_,
            message,
            code,
            param,
        )

    def body(self) -> dict:
        error = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return {"error": error}


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding to nested dicts/lists: a[b][0][c]=1 -> {"a": {"b": [{"c": "1"}]}}."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _lists(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


def _int(params: dict, name: str, *, required: bool = True, minimum: int = 0) -> int | None:
    value = params.get(name)
    if value is None and not required:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise StripeApiError(
            400, "invalid_request_error", f"Invalid integer: {value}", param=name
        ) from exc
    if number < minimum:
        raise StripeApiError(400, "invalid_request_error", f"{name} too small", param=name)
    return number


class StripeMock:
    """The fake Stripe. `start()` returns the base URL for STRIPE_API_BASE."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or (lambda: datetime.now(UTC))
        self.sessions: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.requests: list[Recorded] = []
        self.fail_next: list[int] = []  # HTTP statuses to answer the next requests with
        self._idempotency: dict[str, tuple[str, int, dict]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> str:
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

            def _answer(self, method: str):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                if method == "GET" and "?" in self.path:
                    path, _, body = self.path.partition("?")
                else:
                    path = self.path
                status, payload, extra = mock.handle(method, path, body, dict(self.headers))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_" + secrets.token_hex(8))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def reset(self) -> None:
        """Forget every session, refund, request and idempotency key (a fresh account)."""
        with self._lock:
            self.sessions.clear()
            self.refunds.clear()
            self.requests.clear()
            self.fail_next.clear()
            self._idempotency.clear()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- the customer's side ---------------------------------------------------------------
    def mark_paid(self, session_id: str) -> dict:
        """The customer paid: status complete, payment_status paid, a payment intent."""
        with self._lock:
            session = self.sessions[session_id]
            session.update(
                status="complete",
                payment_status="paid",
                payment_intent="pi_test_" + secrets.token_hex(8),
            )
            return dict(session)

    def complete_unpaid(self, session_id: str) -> dict:
        """The customer chose a delayed method (e.g. SEPA debit): complete, still unpaid."""
        with self._lock:
            session = self.sessions[session_id]
            session.update(
                status="complete",
                payment_status="unpaid",
                payment_intent="pi_test_" + secrets.token_hex(8),
            )
            return dict(session)

    def settle(self, session_id: str, *, paid: bool) -> dict:
        """A delayed payment succeeded (payment_status paid) or failed (it stays unpaid)."""
        with self._lock:
            session = self.sessions[session_id]
            if paid:
                session["payment_status"] = "paid"
            return dict(session)

    def refund_in_dashboard(self, session_id: str, amount: int) -> dict:
        """Someone refunds `amount` of a paid session in Stripe's dashboard; returns the
        charge object as the `charge.refunded` event carries it."""
        with self._lock:
            session = self.sessions[session_id]
            refund = {
                "id": "re_test_" + secrets.token_hex(8),
                "object": "refund",
                "amount": amount,
                "currency": session["currency"],
                "payment_intent": session["payment_intent"],
                "reason": None,
                "metadata": {},
                "status": "succeeded",
            }
            self.refunds[refund["id"]] = refund
            return self.charge(session_id)

    def charge(self, session_id: str) -> dict:
        """The charge of a paid session as Stripe reports it (its refunds added up)."""
        session = self.sessions[session_id]
        intent = session["payment_intent"]
        refunded = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent)
        return {
            "id": "ch_" + intent.removeprefix("pi_"),
            "object": "charge",
            "payment_intent": intent,
            "amount": session["amount_total"],
            "amount_refunded": refunded,
            "refunded": refunded >= session["amount_total"],
            "currency": session["currency"],
        }

    def expire(self, session_id: str) -> dict:
        """The session ran out unpaid."""
        with self._lock:
            self.sessions[session_id].update(status="expired")
            return dict(self.sessions[session_id])

    def calls(self, method: str, prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    # -- the API ---------------------------------------------------------------------------
    def handle(self, method: str, path: str, body: str, headers: dict) -> tuple[int, dict, dict]:
        params = decode_form(body)
        headers = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            self.requests.append(Recorded(method, path, params, headers))
            if self.fail_next:
                return (
                    self.fail_next.pop(0),
                    {"error": {"type": "api_error", "message": "boom"}},
                    {},
                )
        if not headers.get("authorization", "").startswith("Bearer sk_"):
            return 401, {"error": {"type": "invalid_request_error", "message": "No API key"}}, {}
        key = headers.get("idempotency-key") if method == "POST" else None
        fingerprint = json.dumps([path, params], sort_keys=True)
        with self._lock:
            if key and key in self._idempotency:
                seen, status, payload = self._idempotency[key]
                if seen != fingerprint:
                    error = StripeApiError(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters "
                        "they were first used with.",
                    )
                    return 400, error.body(), {}
                return status, payload, {"Idempotent-Replayed": "true"}
            try:
                status, payload = 200, self._route(method, path, params)
            except StripeApiError as error:
                status, payload = error.status, error.body()
            if key:
                self._idempotency[key] = (fingerprint, status, payload)
            return status, payload, {}

    def _route(self, method: str, path: str, params: dict) -> dict:
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._create_session(params)
        if method == "GET" and path == "/v1/checkout/sessions":
            intent = params.get("payment_intent")
            found = [
                dict(s) for s in self.sessions.values() if intent and s["payment_intent"] == intent
            ]
            return {
                "object": "list",
                "data": found[: _int(params, "limit", required=False) or 10],
                "has_more": False,
                "url": "/v1/checkout/sessions",
            }
        match = re.fullmatch(r"/v1/checkout/sessions/([^/]+)(/expire)?", path)
        if match:
            session = self.sessions.get(match.group(1))
            if session is None:
                raise StripeApiError(
                    404, "invalid_request_error", "No such checkout.session", "resource_missing"
                )
            if method == "GET" and not match.group(2):
                return dict(session)
            if method == "POST" and match.group(2):
                if session["status"] != "open":
                    raise StripeApiError(
                        400,
                        "invalid_request_error",
                        'Only Checkout Sessions with a status in ["open"] can be expired.',
                    )
                session["status"] = "expired"
                return dict(session)
        if method == "POST" and path == "/v1/refunds":
            return self._refund(params)
        raise StripeApiError(404, "invalid_request_error", f"Unrecognized request URL {path}")

    def _create_session(self, params: dict) -> dict:
        if params.get("mode") != "payment":
            raise StripeApiError(400, "invalid_request_error", "mode must be payment", param="mode")
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise StripeApiError(400, "invalid_request_error", "line_items required")
        total, currencies = 0, set()
        for item in items:
            price = item.get("price_data") or {}
            if not (price.get("product_data") or {}).get("name"):
                raise StripeApiError(400, "invalid_request_error", "product name required")
            currencies.add(price.get("currency"))
            total += _int(price, "unit_amount") * _int(item, "quantity", minimum=1)
        if len(currencies) != 1 or None in currencies:
            raise StripeApiError(400, "invalid_request_error", "one currency required")
        if not params.get("success_url"):
            raise StripeApiError(400, "invalid_request_error", "success_url required")
        now = self.clock()
        expires_at = _int(params, "expires_at", required=False)
        if expires_at is None:
            expires_at = int((now + timedelta(hours=24)).timestamp())
        if not (
            (now + timedelta(minutes=30)).timestamp()
            <= expires_at
            <= (now + timedelta(hours=24)).timestamp()
        ):
            raise StripeApiError(
                400,
                "invalid_request_error",
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from now.",
                param="expires_at",
            )
        session_id = "cs_test_" + secrets.token_hex(12)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": total,
            "currency": currencies.pop(),
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "metadata": params.get("metadata") or {},
            "expires_at": expires_at,
            "payment_intent": None,
            "success_url": params["success_url"],
            "cancel_url": params.get("cancel_url"),
            "locale": params.get("locale"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "livemode": False,
        }
        self.sessions[session_id] = session
        return dict(session)

    def _refund(self, params: dict) -> dict:
        intent = params.get("payment_intent")
        session = next(
            (s for s in self.sessions.values() if intent and s["payment_intent"] == intent), None
        )
        if session is None or session["payment_status"] != "paid":
            raise StripeApiError(
                400,
                "invalid_request_error",
                f"No such payment_intent: {intent}",
                "resource_missing",
            )
        refunded = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent)
        remaining = session["amount_total"] - refunded
        amount = _int(params, "amount", required=False)
        amount = remaining if amount is None else amount
        if remaining <= 0:
            raise StripeApiError(
                400,
                "invalid_request_error",
                f"Charge for {intent} has already been refunded.",
                "charge_already_refunded",
            )
        if amount <= 0 or amount > remaining:
            raise StripeApiError(
                400, "invalid_request_error", "Refund amount is greater than unrefunded amount"
            )
        refund = {
            "id": "re_test_" + secrets.token_hex(8),
            "object": "refund",
            "amount": amount,
            "currency": session["currency"],
            "payment_intent": intent,
            "reason": params.get("reason"),
            "metadata": params.get("metadata") or {},
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        return dict(refund)


# --- webhooks, signed the way Stripe signs them -----------------------------------------------

WEBHOOK_SECRET = "whsec_test_podium"


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header: t=<unix time>,v1=HMAC-SHA256(secret, "t.payload")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def event_body(kind: str, obj: dict, event_id: str | None = None) -> bytes:
    """A Stripe event body about `obj`."""
    event = {
        "id": event_id or "evt_" + secrets.token_hex(8),
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": obj},
    }
    return json.dumps(event).encode()


def post_webhook(client, body: bytes, header: str | None = "sign", secret: str = WEBHOOK_SECRET):
    """POST `body` to the webhook, signed with `secret` unless a `header` (or None) is given."""
    headers = {"Content-Type": "application/json"}
    if header == "sign":
        header = sign(body, secret)
    if header is not None:
        headers["Stripe-Signature"] = header
    return client.post("/events/stripe/webhook", data=body, headers=headers)
