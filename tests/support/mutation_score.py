"""``make mutants``'s summary: the share of mutants killed in each mutated module, and the
mutants that lived, read from what ``mutmut run`` leaves in ``mutants/``.

A mutant counts as killed when a test failed, timed out or mypy refused it; one that no
selected test ever reaches counts as a survivor, since no test would notice that bug either.
Exits non-zero under the target so that a drop is seen.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

TARGET = 0.90
_KILLED = {1, 3, 36, 37, 24, -24, 152, 255}  # failed, pytest error, timeouts, type check
_NOT_RUN = {None, 2, 34}  # not checked, interrupted, skipped


def main(root: Path = Path("mutants")) -> int:
    killed: dict[str, int] = defaultdict(int)
    lived: dict[str, list[str]] = defaultdict(list)
    for meta in sorted(root.rglob("*.py.meta")):
        module = meta.relative_to(root).as_posix().removesuffix(".meta")
        for name, code in json.loads(meta.read_text("utf-8"))["exit_code_by_key"].items():
            if code in _NOT_RUN:
                continue
            if code in _KILLED:
                killed[module] += 1
            else:
                status = "no test reaches it" if code in (5, 33) else "survived"
                lived[module].append(f"{name}  ({status})")
    modules = sorted(set(killed) | set(lived))
    if not modules:
        print("no results in mutants/: run `mutmut run` first", file=sys.stderr)
        return 2
    width = max(len(m) for m in modules)
    print(f"{'module':<{width}}  killed / mutants")
    for module in modules:
        total = killed[module] + len(lived[module])
        print(f"{module:<{width}}  {killed[module]:>5} / {total:<5} {killed[module] / total:6.1%}")
    all_killed = sum(killed.values())
    total = all_killed + sum(len(names) for names in lived.values())
    score = all_killed / total
    print(f"{'all':<{width}}  {all_killed:>5} / {total:<5} {score:6.1%}  (target {TARGET:.0%})")
    survivors = [name for module in modules for name in lived[module]]
    if survivors:
        print(f"\n{len(survivors)} mutants lived (`mutmut show NAME` shows one):")
        for name in survivors:
            print(f"  {name}")
    return 0 if score >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
