"""Every benchmark, one after another, each in its own interpreter (a fresh moto world and
fresh imports, as a new container has), with how long each took and the total against the
budget of ``make bench``.

    .venv/bin/python bench/all.py [--only catalogue --only reports ...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("catalogue", "payments", "feedback", "ratings", "dossiers", "reports", "cold_start")
BUDGET_SECONDS = 15 * 60


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", action="append", choices=BENCHMARKS)
    args = parser.parse_args()
    took: dict[str, float] = {}
    failed: list[str] = []
    started = time.monotonic()
    for name in args.only or BENCHMARKS:
        began = time.monotonic()
        if subprocess.run([sys.executable, str(HERE / f"{name}.py")], check=False).returncode:
            failed.append(name)
        took[name] = time.monotonic() - began
    total = time.monotonic() - started
    print("\nmake bench: wall time of each benchmark")
    for name, seconds in took.items():
        print(f"  {name:<11} {seconds / 60:5.1f} min")
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
