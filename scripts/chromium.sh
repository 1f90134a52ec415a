#!/usr/bin/env bash
# Makes sure a headless Chromium is installed, for the browser test of the HTML report
# (Tests/ScenariosTests/HTMLBrowserTests). On Debian or Ubuntu it installs the distribution's
# `chromium` package with apt-get when missing (as root, or through sudo when available);
# elsewhere it says what is missing and exits 0, and the test is skipped with a message.
# Prints the browser's path when there is one.
set -euo pipefail
find_browser() {
    for name in chromium chromium-browser google-chrome; do
        if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
    done
    return 1
}
if browser=$(find_browser); then
    echo "$browser"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "scripts/chromium.sh: no apt-get here; install Chromium to run the browser test" >&2
    exit 0
fi
run=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then run=(sudo); else
        echo "scripts/chromium.sh: not root and no sudo; install Chromium to run the browser test" >&2
        exit 0
    fi
fi
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -q >&2
"${run[@]}" apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >&2
find_browser
