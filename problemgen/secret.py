"""The instructor's secret: created once (mode 0600), reused, never written into student files."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from problemgen.errors import ConfigError

SECRET_BYTES = 32


def load_or_create_secret(path: Path) -> tuple[bytes, bool]:
    """Read the secret at ``path``, or create it (0600) if absent; returns (secret, created).

    The file holds 64 hex digits. Keep it: with it, the same config and roster rebuild the same
    exam; without it nobody (students included) can recompute a key.
    """
    if path.exists():
        text = path.read_text(encoding="ascii", errors="replace").strip()
        try:
            value = bytes.fromhex(text)
        except ValueError:
            value = b""
        if len(value) < 16:
            raise ConfigError(str(path), "", "is not a problemgen secret (expected 64 hex digits); restore it from "
                              "your backup, or delete it to start a new exam whose variants all change")
        return value, False
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_bytes(SECRET_BYTES)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(value.hex() + "\n")
    return value, True
