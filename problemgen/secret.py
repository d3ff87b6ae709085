"""The instructor's secret: created once (mode 0600), reused, never written into student files."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path

from problemgen.errors import ConfigError

SECRET_BYTES = 32


def load_or_create_secret(path: Path, save: bool = True) -> tuple[bytes, bool]:
    """Read the secret at ``path``, or create it (0600) if absent; returns (secret, created).

    The file holds 64 hex digits. Keep it: with it, the same config and roster rebuild the same
    exam; without it nobody (students included) can recompute a key. With ``save=False`` a new
    secret is only returned; :func:`save_secret` writes it once the build it made is complete.
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
    value = secrets.token_bytes(SECRET_BYTES)
    if save:
        save_secret(path, value)
    return value, True


def save_secret(path: Path, value: bytes) -> None:
    """Write a new secret to ``path`` (mode 0600); an existing file is never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(value.hex() + "\n")


def fingerprint(secret: bytes) -> str:
    """A short, one-way mark of a secret, kept in the manifest so a rebuild can tell whether it
    uses the same secret (it reveals nothing that helps to recompute a key)."""
    return hmac.new(secret, b"problemgen/secret-fingerprint", hashlib.sha256).hexdigest()[:16]


def form_check(secret: bytes, exam_id: str, student_id: str) -> str:
    """The check code printed on a student's answer form (8 hex digits): grading tells from it
    whose form was handed in, and only the secret makes it."""
    return hmac.new(secret, f"problemgen/form/{exam_id}/{student_id}".encode(), hashlib.sha256).hexdigest()[:8]


def form_version_key(secret: bytes) -> bytes:
    """The key of :func:`form_version` (derived, so the workers that write forms never hold the secret)."""
    return hmac.new(secret, b"problemgen/form-version", hashlib.sha256).digest()


def form_version(key: bytes, student_id: str, parts: Iterable[Sequence[object]]) -> str:
    """The version code printed on a student's answer form (8 hex digits): a keyed digest of the
    problems they answer (each part's label, template and key), so grading can tell a form written
    on a sheet of an earlier build whose problems have changed since. Only the secret's key makes
    it, so it reveals nothing about the answers, and with the student's id in it, two students'
    codes do not tell that they share a key."""
    digest = hmac.new(key, f"problemgen/form-version/1/{student_id}\n".encode(), hashlib.sha256)
    for part in parts:
        digest.update(json.dumps([str(field) for field in part], ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()[:8]


def check_rebuild_secret(build: Path, path: Path) -> None:
    """Refuse to rebuild ``build`` with another secret than it was made with, or with none at ``path``.

    A new secret changes every student's variant, so a rebuild whose secret file was lost or
    swapped would silently hand out a different exam than the keys already used.
    """
    from problemgen.batch import read_manifest_header

    if not (build / "manifest.json").is_file():
        return
    # A manifest not laid out as builds write it has nothing to compare with.
    recorded = (read_manifest_header(build / "manifest.json") or {}).get("secret_fingerprint")
    fix = (f"restore the secret the build was made with to {path}, or remove {build} to start a new exam "
           "(every student's variant will change)")
    if not path.exists():
        raise ConfigError(str(path), "", f"is missing, but {build} was built with a secret; {fix}")
    if recorded is not None:
        current, _ = load_or_create_secret(path)
        if fingerprint(current) != recorded:
            raise ConfigError(str(path), "", f"is not the secret {build} was built with; {fix}")
