#!/bin/sh
# Runs SimPy's M/M/1 (scripts/simpy_mm1.py) and simrun's M/M/1 rows (`simrun bench --mm1`)
# on the same machine, one after the other, with the same number of customers, and prints
# the ratios the issue's targets are stated in: kernel / SimPy and model / SimPy.
#
# Needs SimPy: python3 -m pip install simpy (or set PYTHON to an interpreter that has it).
# Usage: scripts/bench-vs-simpy.sh [CUSTOMERS]   (default 200000)
set -eu
customers=${1:-200000}
python=${PYTHON:-python3}
here=$(cd "$(dirname "$0")/.." && pwd)
if ! "$python" -c 'import simpy' 2>/dev/null; then
    echo "bench-vs-simpy: SimPy is not installed for $python; run: $python -m pip install simpy" >&2
    exit 2
fi
simrun=${SIMRUN:-$here/.build/release/simrun}
if [ ! -x "$simrun" ]; then
    echo "bench-vs-simpy: $simrun not found; build it first: swift build -c release" >&2
    exit 2
fi
simpy_line=$("$python" "$here/scripts/simpy_mm1.py" "$customers")
echo "$simpy_line"
simrun_out=$("$simrun" bench --mm1 --customers "$customers")
echo "$simrun_out"
simpy_rate=$(echo "$simpy_line" | sed -n 's/.* s wall, \([0-9]*\) customers\/s.*/\1/p')
echo "$simrun_out" | awk -v simpy="$simpy_rate" '
    /^kernel M\/M\/1/ || /^model M\/M\/1/ || /^plain M\/M\/1/ {
        n = split($0, f, "  +")
        name = f[1]; rate = f[4]
        printf "%-40s %10.1fx SimPy\n", name, rate / simpy
    }'
