#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, then runs them.
# Browser tests use Debian's chromium (Playwright cannot download its own browser here)
# and fonts-noto-cjk (without it Chinese renders as boxes in screenshots and PDFs);
# Java and npm bring the Nu HTML checker, axe-core and Lighthouse (npm lighthouse@12, which
# drives the same chromium) for the page-quality tests.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check -e '.[test]'
npm ci --no-audit --no-fund --silent
python3 -m pytest "$@"
