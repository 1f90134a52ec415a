#!/usr/bin/env bash
# The replications behind live mode's median tolerance (docs/live.md, "Sim and live
# medians"): runs `simrun live compare` N times on one scenario and variant at one time
# scale and prints the simulated p50 (deterministic) and each live p50, then their spread.
#
#   scripts/live-medians.sh URL [N] [TIME_SCALE] [SCENARIO] [VARIANT]
#
# Defaults: 10 runs at 0.2 of scenarios/six-instance-starts.yaml, variant plan. Uses the
# simrun of .build/debug (swift build first); every run takes the wall time of the scenario
# scaled (about 8 s here).
set -euo pipefail
cd "$(dirname "$0")/.."
url="${1:?usage: scripts/live-medians.sh URL [N] [TIME_SCALE] [SCENARIO] [VARIANT]}"
runs="${2:-10}"
scale="${3:-0.2}"
scenario="${4:-scenarios/six-instance-starts.yaml}"
variant="${5:-plan}"
simrun="${SIMRUN:-.build/debug/simrun}"
for i in $(seq 1 "$runs"); do
    # A compare that diverges exits 1 and still prints its table.
    "$simrun" live compare "$scenario" --variant "$variant" --mariadb "$url" --time-scale "$scale" \
        | awk -v run="$i" '/^wait p50/ { print run, $4, $5 }' || true
done | awk '
    { sim = $2; live[NR] = $3; d = $3 - $2; if (d < 0) d = -d; if (d > worst) worst = d; sum += $3
      printf "run %2d: simulated p50 %s s, live p50 %s s\n", $1, $2, $3 }
    END {
        if (NR == 0) { print "no run finished" > "/dev/stderr"; exit 1 }
        mean = sum / NR; for (i = 1; i <= NR; i++) var += (live[i] - mean) ^ 2
        sd = NR > 1 ? sqrt(var / (NR - 1)) : 0
        printf "%d runs: live p50 mean %.3f s, sd %.3f s; simulated %s s; largest |live - simulated| %.3f s\n", NR, mean, sd, sim, worst
    }'
