#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole test suite: real tesseract on real scans,
# real files, real SQLite and, where it answers on 127.0.0.1:5432, real PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
DOSSIER_EXTRA_APT="chromium ${DOSSIER_EXTRA_APT:-}" bash scripts/setup.sh
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
