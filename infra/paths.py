"""Where the local stack keeps its state: ``.portal/`` at the project root (git-ignored)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def state_dir() -> Path:
    return Path(os.environ.get("PORTAL_HOME", PROJECT_ROOT / ".portal"))


def signing_key_file() -> Path:
    return state_dir() / "signing-key.pem"


def local_stack_file() -> Path:
    """Written by ``portal up``: the moto endpoint, stage and port other commands use."""
    return state_dir() / "local-stack.json"
