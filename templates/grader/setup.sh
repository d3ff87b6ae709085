#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image (written by problemgen).
# It makes a virtual environment with Python >= 3.11 (installed with apt if the image lacks one)
# and installs the grader's pinned requirements into it; run_autograder uses that environment.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$(cd "$(dirname "$0")" && pwd)"
export DEBIAN_FRONTEND=noninteractive

find_python() {
    for candidate in python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! PYTHON="$(find_python)"; then
    apt-get update
    apt-get install -y python3.11 python3.11-venv
    PYTHON=python3.11
fi
rm -rf "$ROOT/venv"
if ! "$PYTHON" -m venv "$ROOT/venv"; then
    # Debian and Ubuntu ship venv (ensurepip) as a separate package.
    apt-get update
    apt-get install -y "$PYTHON-venv" || apt-get install -y python3-venv
    rm -rf "$ROOT/venv"
    "$PYTHON" -m venv "$ROOT/venv"
fi
"$ROOT/venv/bin/python" -m pip install --no-cache-dir --disable-pip-version-check -r "$SOURCE/grader/requirements.txt"
