"""Flask extensions, created unbound; `podium.create_app` binds them."""

import ipaddress
from typing import TYPE_CHECKING

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from core.db import Base

db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:  # mypy cannot see that db.Model is our declarative base
    Model = Base
else:
    #: the base class of every model (Flask-SQLAlchemy's db.Model on `core.db.Base`)
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def client_address() -> str:
    """The rate-limit key: the client's address as the app sees it, i.e. after ProxyFix
    (`core.transport`) when PODIUM_PROXIES is set, else the peer's address (X-Forwarded-For is
    ignored). An IPv6 client counts by its /64 network, since one host usually holds a whole
    /64 and could otherwise take a fresh address for every attempt."""
    address = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


# Limits are declared on the views that need them; storage comes from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=client_address, default_limits=[])
