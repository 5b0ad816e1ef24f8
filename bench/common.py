"""What every benchmark shares: the environment a Lambda would see, fresh moto worlds,
percentiles, round trips counted and the results table.

Benchmarks print ratios measured within one run on one machine, never absolute times
compared against another machine: moto and a shared 2-core box make absolute numbers
meaningless, while two measurements taken side by side still compare fairly.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import statistics
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from time import perf_counter, sleep
from typing import Any

from infra import moto_world as shared_world


def prepare_environment(stage: str = "bench") -> str:
    """The environment the tests use (infra.moto_world); returns the token signing key.

    Must run before anything under ``services`` is imported: settings and clients are
    read once per process.
    """
    from services.core import tokens  # only minting helpers, reads no settings

    signing_key = tokens.generate_private_key_pem()
    shared_world.prepare_environment(stage, signing_key)
    return signing_key


def moto_world(stage: str = "bench") -> AbstractContextManager[None]:
    """A fresh in-process AWS with the shared template deployed; nothing leaks between
    two worlds, so each measurement starts from what a new container would see."""
    return shared_world.moto_world(stage)


def empty_queues(stage: str, *queues: str) -> None:
    """Empty the queues the consumers would keep short (untimed): moto's SQS slows with
    every message waiting, and in AWS the consumer drains them as they come."""
    import boto3

    sqs = boto3.client("sqs")
    for short in queues:
        url = sqs.get_queue_url(QueueName=f"portal-{stage}-{short}")["QueueUrl"]
        # Received and deleted, not purged: SQS allows one purge a minute per queue.
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            for message in batch:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def timed(call: Callable[[], object]) -> float:
    """Seconds one call takes."""
    from time import perf_counter

    started = perf_counter()
    call()
    return perf_counter() - started


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    # Nearest rank: with ~200 samples an interpolating method would invent a value.
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


@dataclass(frozen=True, slots=True)
class Row:
    measure: str
    value: str
    target: str = ""
    passed: bool | None = None
    versus: str = ""
    """The peer or floor the value is compared with, measured in the same run."""

    @property
    def mark(self) -> str:
        if self.passed is None:
            return ""
        return "PASS" if self.passed else "MISS"


def print_table(title: str, rows: list[Row]) -> None:
    headers: tuple[str, ...] = ("measure", "value", "target", "result")
    cells: list[tuple[str, ...]] = [(r.measure, r.value, r.target, r.mark) for r in rows]
    if any(r.versus for r in rows):
        headers = ("measure", "value", "compared with", "target", "result")
        cells = [(r.measure, r.value, r.versus, r.target, r.mark) for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "+".join("-" * (w + 2) for w in widths)
    print(f"\n{title}")
    print(line)
    print(" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print(line)
    for cell in cells:
        print(" | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)))
    print(line)


def say(text: str) -> None:
    """Print to the terminal even while the apps' own stdout is silenced."""
    print(text, file=sys.__stdout__, flush=True)


def profile(title: str, work: Callable[[], None], top: int = 25) -> None:
    """The portal's own functions by cumulative time (where the time goes in the service),
    then the heaviest functions of all by their own time (what it is spent on)."""
    profiler = cProfile.Profile()
    profiler.runcall(work)
    for order, restriction, label in (
        ("cumulative", "/services/", "portal functions, cumulative"),
        ("tottime", "", "all functions, own time"),
    ):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(order).print_stats(restriction, top)
        say(f"\n== profile: {title} ({label}, top {top}) ==")
        say("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


class RoundTrips:
    """Every request the portal's DynamoDB, KMS and SQS clients send while recording, as
    its (start, end), each held back ``latency`` seconds before it goes, as a network holds
    it. Requests sent together then overlap, and requests sent one after another do not:
    the number of overlapping spans is the number of round trips one after another."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.spans: list[tuple[float, float]] = []

    def _before(self, context: dict[str, Any], **_: Any) -> None:
        context["bench_sent_at"] = perf_counter()
        sleep(self.latency)

    def _after(self, context: dict[str, Any], **_: Any) -> None:
        self.spans.append((context.pop("bench_sent_at"), perf_counter()))

    @contextmanager
    def recording(self) -> Iterator[None]:
        from services.core import aws

        clients = (aws.dynamodb_client(), aws.kms(), aws.sqs())
        for one in clients:
            one.meta.events.register("before-call", self._before, unique_id="bench-rtt-sent")
            one.meta.events.register("after-call", self._after, unique_id="bench-rtt-back")
        try:
            yield
        finally:
            for one in clients:
                one.meta.events.unregister("before-call", unique_id="bench-rtt-sent")
                one.meta.events.unregister("after-call", unique_id="bench-rtt-back")

    def of(self, call: Callable[[], object]) -> tuple[int, int]:
        """(round trips one after another, requests) of one call."""
        self.spans = []
        call()
        sequential, reached = 0, float("-inf")
        for sent, back in sorted(self.spans):
            if sent > reached:
                sequential += 1
            reached = max(reached, back)
        return sequential, len(self.spans)
