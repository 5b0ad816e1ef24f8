"""Every benchmark, each in its own interpreter (a fresh moto world and fresh imports, as a
new container has), with how long each took and the total against the budget of
``make bench``.

    .venv/bin/python bench/all.py [--only catalogue --only reports ...] [--one-at-a-time]

Two run at once, one per core of the machine ``make bench`` is sized for, the longest
first: every figure a benchmark compares is measured side by side inside its own process
(its loops alternate in blocks), so a neighbour on the other core slows both sides of a
ratio alike; docs/performance.md compares a run this way with one benchmark at a time.
The absolute figures (a first search, a receipt's wait, a cold start) have the neighbour's
cache and memory traffic in them; ``--one-at-a-time`` takes them without it. Each
benchmark's output is printed whole when it ends, so two never interleave.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Longest first (minutes in the last runs), so that the two lanes end close together.
BENCHMARKS = ("reports", "ratings", "dossiers", "payments", "cold_start", "catalogue", "feedback")
BUDGET_SECONDS = 15 * 60
AT_ONCE = 2


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", action="append", choices=BENCHMARKS)
    parser.add_argument("--one-at-a-time", action="store_true")
    args = parser.parse_args()
    took: dict[str, float] = {}
    failed: list[str] = []
    printing = threading.Lock()
    started = time.monotonic()

    def run(name: str) -> None:
        began = time.monotonic()
        with printing:
            print(f"[{(began - started) / 60:4.1f} min] {name}: started", flush=True)
        try:
            done = subprocess.run(
                [sys.executable, str(HERE / f"{name}.py")],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                # Unbuffered, so that a warning or a traceback stays where it was written.
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                check=False,
            )
            output, code = done.stdout, done.returncode
        except Exception as error:  # one benchmark that cannot run must not stop the others
            output, code = f"{name} could not run: {error!r}\n", -1
        took[name] = time.monotonic() - began
        with printing:
            print(f"\n===== {name} ({took[name] / 60:.1f} min) =====", flush=True)
            print(output, end="", flush=True)
            if code:
                failed.append(name)
                print(f"{name}: exited with {code}", flush=True)

    chosen = set(args.only or BENCHMARKS)
    names = [name for name in BENCHMARKS if name in chosen]  # the longest first, once each
    with ThreadPoolExecutor(max_workers=1 if args.one_at_a_time else AT_ONCE) as pool:
        list(pool.map(run, names))
    total = time.monotonic() - started
    lanes = 1 if args.one_at_a_time else AT_ONCE
    print(f"\nmake bench: wall time of each benchmark ({lanes} at a time)")
    for name in names:
        print(f"  {name:<11} {took[name] / 60:5.1f} min")
    within = total <= BUDGET_SECONDS
    verdict = "PASS" if within else "MISS"
    print(
        f"  {'in all':<11} {total / 60:5.1f} min   target <= {BUDGET_SECONDS // 60} min   {verdict}"
    )
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
