#!/bin/sh
# Runs SimPy's M/M/1 (scripts/simpy_mm1.py) and simrun's M/M/1 rows (`simrun bench --mm1`)
# on the same machine, one after the other, with the same number of customers, and prints
# the ratios the issue's targets are stated in: kernel / SimPy, model / SimPy and kernel
# time / plain-loop time.
#
# On a shared machine one run is not enough (the same binary's rate moves by a third between
# runs minutes apart): ROUNDS > 1 repeats the whole comparison and ends with the median of
# each figure over the rounds and its range. SIMRUN_B names a second simrun binary run in
# the same rounds as SIMRUN (alternating which goes first), so two builds are compared in
# the same hour of the machine.
#
# Needs SimPy: python3 -m pip install simpy (or set PYTHON to an interpreter that has it).
# Usage: scripts/bench-vs-simpy.sh [CUSTOMERS [ROUNDS]]   (defaults 200000 and 1)
#        PYTHON=... SIMRUN=... SIMRUN_B=... scripts/bench-vs-simpy.sh 1000000 5
set -eu
customers=${1:-200000}
rounds=${2:-1}
python=${PYTHON:-python3}
here=$(cd "$(dirname "$0")/.." && pwd)
case "$customers" in ''|*[!0-9]*|0) echo "bench-vs-simpy: CUSTOMERS must be a positive whole number, got '$customers'" >&2; exit 2 ;; esac
case "$rounds" in ''|*[!0-9]*|0) echo "bench-vs-simpy: ROUNDS must be a positive whole number, got '$rounds'" >&2; exit 2 ;; esac
if ! "$python" -c 'import simpy' 2>/dev/null; then
    echo "bench-vs-simpy: SimPy is not installed for $python; run: $python -m pip install simpy" >&2
    exit 2
fi
simrun=${SIMRUN:-$here/.build/release/simrun}
second=${SIMRUN_B:-}
for binary in "$simrun" $second; do
    if [ ! -x "$binary" ]; then
        echo "bench-vs-simpy: $binary not found; build it first: swift build -c release" >&2
        exit 2
    fi
done
records=$(mktemp)
trap 'rm -f "$records"' EXIT

# Binary $3's M/M/1 rows against SimPy's rate $1, under label $2. Prints the rows and their
# ratios, and appends "label row rate simpy" lines to the records.
measure() {
    out=$("$3" bench --mm1 --customers "$customers")
    echo "$out"
    echo "$out" | awk -v simpy="$1" -v label="$2" -v records="$records" '
        /^plain M\/M\/1/ || /^kernel M\/M\/1/ || /^model M\/M\/1/ {
            n = split($0, f, "  +")
            name = f[1]; rate = f[4]
            split(name, word, " ")
            printf "%-40s %10.1fx SimPy\n", name, rate / simpy
            printf "%s %s %s %s\n", label, word[1], rate, simpy >> records
        }'
}

round=1
while [ "$round" -le "$rounds" ]; do
    [ "$rounds" -gt 1 ] && echo "== round $round of $rounds"
    simpy_line=$("$python" "$here/scripts/simpy_mm1.py" "$customers")
    echo "$simpy_line"
    simpy_rate=$(echo "$simpy_line" | sed -n 's/.* s wall, \([0-9]*\) customers\/s.*/\1/p')
    if [ -z "$simpy_rate" ]; then
        echo "bench-vs-simpy: could not read SimPy's rate from: $simpy_line" >&2
        exit 1
    fi
    # With a second build, A goes first in odd rounds and B in even ones.
    order=A
    if [ -n "$second" ]; then
        if [ $((round % 2)) -eq 0 ]; then order="B A"; else order="A B"; fi
    fi
    for label in $order; do
        if [ "$label" = A ]; then binary=$simrun; else binary=$second; fi
        [ -z "$second" ] || echo "-- $label: $binary"
        measure "$simpy_rate" "$label" "$binary"
    done
    round=$((round + 1))
done

[ "$rounds" -gt 1 ] || exit 0
echo "== medians over $rounds rounds (min-max in brackets)"
echo "A: $simrun"
[ -z "$second" ] || echo "B: $second"
awk '
    function median(list, count,    i, j, v, sorted) {
        for (i = 1; i <= count; i++) sorted[i] = list[i]
        for (i = 2; i <= count; i++) {
            v = sorted[i]
            for (j = i - 1; j >= 1 && sorted[j] > v; j--) sorted[j + 1] = sorted[j]
            sorted[j + 1] = v
        }
        low = sorted[1]; high = sorted[count]
        return count % 2 ? sorted[(count + 1) / 2] : (sorted[count / 2] + sorted[count / 2 + 1]) / 2
    }
    {
        key = $1 " " $2
        n[key]++; rate[key, n[key]] = $3; ratio[key, n[key]] = $3 / $4
        if ($1 == "A" && $2 == "plain") simpy[++simpies] = $4
        if ($2 == "plain") plainRate[$1, n[key]] = $3
        if ($2 == "kernel") kernelRate[$1, n[key]] = $3
        labels[$1] = 1
    }
    END {
        for (label in labels) {
            for (row = 1; row <= 3; row++) {
                name = row == 1 ? "plain" : row == 2 ? "kernel" : "model"
                key = label " " name
                count = n[key]
                for (i = 1; i <= count; i++) { r[i] = rate[key, i]; q[i] = ratio[key, i] }
                m = median(r, count); rl = low; rh = high
                mq = median(q, count); ql = low; qh = high
                printf "%s %-6s %10.0f customers/s [%.0f-%.0f]  %5.1fx SimPy [%.1f-%.1f]\n", label, name, m, rl, rh, mq, ql, qh
            }
            count = n[label " kernel"]
            for (i = 1; i <= count; i++) k[i] = plainRate[label, i] / kernelRate[label, i]
            mk = median(k, count)
            printf "%s kernel time / plain-loop time: %.1fx [%.1f-%.1f]\n", label, mk, low, high
        }
        printf "SimPy %10.0f customers/s (median of every SimPy run)\n", median(simpy, simpies)
    }' "$records" | sort -s -k1,1
