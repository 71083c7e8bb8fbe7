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
first=$(find archive -name '*.age' | sort | head -n 1)
echo "archive: $(find archive -name '*.age' | wc -l) encrypted files under demo/archive"
echo "check with age itself: age -d -i demo/keys/identity.txt \"demo/$first\""
age -d -i keys/identity.txt "$first" | sha256sum
