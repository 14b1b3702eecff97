#!/usr/bin/env bash
# Installs the Debian packages Deskside needs. Idempotent: packages already present are not
# fetched again, and apt-get update runs only when something is missing.
#   deploy/install.sh            build and run
#   deploy/install.sh --test     also what the tests need (GoogleTest; Chromium and the
#                                pinned playwright-core from npm for the browser test)
#   deploy/install.sh --bench    also the baselines the benchmarks compare against (Recoll)
set -euo pipefail
cd "$(dirname "$0")/.."
browser_test=0

# The browser test drives Debian's Chromium through playwright-core, pinned by
# tests/browser/package-lock.json (npm ci installs exactly that; nothing else is downloaded).
install_browser_test() {
  [ "$browser_test" -eq 1 ] || return 0
  command -v npm >/dev/null || { echo "install.sh: the browser test needs Node.js >= 20 and npm" >&2; exit 1; }
  if [ ! -d tests/browser/node_modules/playwright-core ]; then
    echo "install.sh: npm ci in tests/browser"
    (cd tests/browser && npm ci --no-audit --no-fund --silent)
  fi
}

packages=(
  cmake ninja-build g++ pkg-config
  libsqlite3-dev libxapian-dev libpoco-dev nlohmann-json3-dev
  libuchardet-dev libxml2-dev libxxhash-dev
  libpoppler-cpp-dev poppler-data libtesseract-dev libleptonica-dev tesseract-ocr-eng
  libzip-dev libgmime-3.0-dev libgsf-1-dev
  antiword catdoc
  libopenblas-dev liblapacke-dev libhnswlib-dev libicu-dev libssl-dev
)
for arg in "$@"; do
  case "$arg" in
    --test) packages+=(libgtest-dev libgmock-dev chromium g++-aarch64-linux-gnu qemu-user) ; browser_test=1 ;;
    --bench) packages+=(recollcmd poppler-utils unrtf python3-lxml) ;;
    *) echo "install.sh: unknown option $arg (use --test or --bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install.sh: all ${#packages[@]} packages present"
  install_browser_test
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install.sh: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
echo "install.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_browser_test
echo "install.sh: done"
