"""HTTP routes, one module per resource; `register_all` adds them to an app."""
from __future__ import annotations

from sanic import Sanic

from . import consultations, handoffs, privacy, service, uploads


def register_all(app: Sanic) -> None:
    for module in (service, consultations, uploads, handoffs, privacy):
        module.register(app)
