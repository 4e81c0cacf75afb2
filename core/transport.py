"""How the app sees the connection it is served over: the reverse proxies it trusts and
HTTPS-only browsing in production.

Behind `PROXIES` = n reverse proxies (PODIUM_PROXIES), werkzeug's ProxyFix takes the client
address, scheme and host from the last n X-Forwarded-For, -Proto and -Host values, so the
rate limits count the real client (`core.extensions.client_address`), `url_for(...,
_external=True)` says https and Secure cookies are kept. With 0 (the default) the headers are
ignored: a client cannot spoof its address. In production a response over HTTPS carries
Strict-Transport-Security, so the browser never tries plain HTTP again.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from core.config import is_production

#: one year; subdomains are not included (the association's other sites are not ours)
HSTS = "max-age=31536000"


def register(app: Flask) -> None:
    """Trust `app.config["PROXIES"]` proxies (none: nothing changes) and send HSTS."""
    proxies = app.config.get("PROXIES", 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    app.after_request(strict_transport_security)


def strict_transport_security(response: Response) -> Response:
    """Add Strict-Transport-Security to a production response served over HTTPS (RFC 6797:
    never over plain HTTP, where it would mean nothing)."""
    if is_production(current_app.config) and request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
