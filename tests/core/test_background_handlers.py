"""Every schedule and queue handler is an ``Api.background`` handler, so its business
metrics leave with its invocation (tests/ratings/test_counting.py shows one doing so)."""

from __future__ import annotations

import importlib

import pytest

SERVICES = ("catalogue", "payments", "feedback", "ratings")


@pytest.mark.parametrize("service", SERVICES)
def test_every_schedule_and_queue_handler_flushes_its_metrics(service: str) -> None:
    module = importlib.import_module(f"services.{service}.app")
    handlers = [config.handler_string.split(".", 1)[1] for config in module.app.event_sources]
    assert handlers
    for name in handlers:
        registered = getattr(module, name)
        function = getattr(registered, "func", registered)
        assert hasattr(function, "__wrapped__"), f"{service}.{name} is not api.background"
