#!/usr/bin/env bash
# Set up, then run the main job on the sample scans with the embedded defaults (SQLite and a
# local encrypted folder), in ./demo: init, import the sample CRM export, ingest the
# samples, and show one file decrypting back to the original with the standard age CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
DOSSIER=$PWD/.venv/bin/dossier

rm -rf demo
"$DOSSIER" init demo
cd demo
# The sample CRM export has a bad row on purpose: it is reported and the rest loads.
"$DOSSIER" crm import ../samples/crm.csv || [ $? -eq 3 ]
cp ../samples/scans/*.{png,jpg,pdf} watch_dirs/inbox/ 2>/dev/null || true
echo
"$DOSSIER" ingest || [ $? -eq 3 ]
echo
echo "archive: $(find archive -name '*.age' | wc -l) encrypted files under demo/archive"
# Prove it with age itself: every filed object decrypts to the very bytes that were scanned.
../.venv/bin/python - <<'PY'
import sqlite3, subprocess, pathlib
rows = sqlite3.connect("catalogue.db").execute("select archive_key, original_name from documents order by id")
for key, original in rows:
    plain = subprocess.run(["age", "-d", "-i", "keys/identity.txt", f"archive/{key}.age"], capture_output=True, check=True).stdout
    same = plain == pathlib.Path("../samples/scans", original).read_bytes()
    print(f"age -d {key}.age: {'identical to' if same else 'DIFFERS FROM'} samples/scans/{original}")
    assert same
PY
