"""A rebuild racing the messages: a rebuild's write landing between a message's read of a
fact and its write (or two rebuilds of different periods at once) must not count twice.

The interleaving is forced: the first read of the fact is followed, before its caller goes
on, by the other writer's whole recount, as two Lambdas would interleave in production."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.reports.conftest import Reports, dossier, indicators


def _may(agency: str, code: str, version: int, **changes: object) -> dict[str, Any]:
    may = {
        "received_at": "2031-05-04T09:00:00+07:00",
        "due_at": "2031-05-11T17:00:00+07:00",
        "status_at": "2031-05-04T09:00:00+07:00",
    }
    return dossier(agency, code, version, **(may | changes))


def _parsed(message: dict[str, Any]) -> Any:
    from services.core.messages import REPORT_EVENTS

    return REPORT_EVENTS.parse(json.dumps(message))


def _after_first_read(monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], object]) -> None:
    from services.reports import storage

    real = storage.load_fact
    calls = {"n": 0}

    def load_fact(kind: str, fact_id: str) -> Any:
        found = real(kind, fact_id)
        calls["n"] += 1
        if calls["n"] == 1:
            meanwhile()
        return found

    monkeypatch.setattr(storage, "load_fact", load_fact)


def test_a_rebuild_between_a_messages_read_and_write_counts_once(
    reports: Reports, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.reports import service

    agency = reports.agency()
    code = f"{agency}-race"
    reports.deliver(_may(agency, code, 1))
    newer = _may(agency, code, 2, digitized=True)
    # The source already holds version 2 (the rebuild reads it) while its message is in flight.
    _after_first_read(monkeypatch, lambda: service.recount(_parsed(newer), "2031-05"))
    service.count(_parsed(newer))
    monkeypatch.undo()
    assert indicators(reports.index(agency, "2031-05"))["ho_so_so_hoa"] == (1, 1, 22.0)
    assert indicators(reports.index(agency, "2031"))["ho_so_so_hoa"] == (1, 1, 22.0)


def test_two_rebuilds_of_different_periods_at_once_count_once(
    reports: Reports, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.reports import service

    agency = reports.agency()
    code = f"{agency}-twice"
    reports.deliver(_may(agency, code, 1))
    newer = _may(agency, code, 2, digitized=True)
    _after_first_read(monkeypatch, lambda: service.recount(_parsed(newer), "2031-Q2"))
    service.recount(_parsed(newer), "2031-05")
    monkeypatch.undo()
    reports.deliver(newer)
    for period in ("2031-05", "2031-Q2", "2031"):
        assert indicators(reports.index(agency, period))["ho_so_so_hoa"] == (1, 1, 22.0), period


def test_a_rebuild_run_twice_then_the_message_counts_once(reports: Reports) -> None:
    from services.reports import service

    agency = reports.agency()
    code = f"{agency}-again"
    newer = _may(agency, code, 2, digitized=True)
    assert service.recount(_parsed(newer), "2031-05") is True
    assert service.recount(_parsed(newer), "2031-05") is False
    reports.deliver(newer, newer, _may(agency, code, 1))
    for period in ("2031-05", "2031-Q2", "2031"):
        assert indicators(reports.index(agency, period))["ho_so_so_hoa"] == (1, 1, 22.0), period
