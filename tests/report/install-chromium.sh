#!/bin/sh
# Install Debian's `chromium` for the report's headless browser test, if missing.
# Needs root (CI and these machines run as root); without root, or without a
# reachable package mirror, it says so and exits 0: the test then skips with the
# reason.
set -u

if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium missing and cannot be installed here (needs root and apt-get)"
    exit 0
fi

apt-get update -qq || true
if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium >/dev/null; then
    chromium --version | head -n 1
else
    echo "chromium could not be installed; the browser test will skip"
fi
