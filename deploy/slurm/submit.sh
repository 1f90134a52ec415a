#!/bin/bash
# Runs a sweep as a Slurm array and merges it: from the repository root, with simrun on PATH
# (swift build -c release; export PATH=$PWD/.build/release:$PATH).
set -euo pipefail
mkdir -p results
sweep=$(sbatch --parsable deploy/slurm/sweep.sbatch)
sbatch --dependency=afterok:"${sweep%%;*}" deploy/slurm/merge.sbatch
echo "sweep array $sweep queued; results/sweep.txt, .csv and .json appear when the merge has run"
