#!/usr/bin/env bash
# Data-parallel training over MPI (opt-in `MPI` trait; not part of `swift test`).
#  1. builds with --traits MPI (MPI enables OpenMP) into .build-mpi;
#  2. trains the two-layer preset for one epoch on Fashion-MNIST with 1 and
#     2 ranks (threads split between them) with --verify-sync (both ranks
#     hold bit-identical weights after every step), expects the same final
#     loss, and prints samples/s and the all-reduce time per step;
#  3. sends SIGINT to one of 2 ranks and expects both to stop after the same
#     step with exit 130 and no model file.
# Needs (installed here when run as root): apt-get install -y --no-install-recommends openmpi-bin libopenmpi-dev
# SCRATCHNET_MPI_EPOCHS (default 1) sets the epochs of step 2.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v mpirun >/dev/null || ! pkg-config --exists mpi; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openmpi-bin libopenmpi-dev
  else
    echo "mpi-check: Open MPI not found (apt-get install -y --no-install-recommends openmpi-bin libopenmpi-dev)" >&2; exit 1
  fi
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Loopback and shared memory only; no binding, so each rank's OpenMP threads can run.
mpi=(mpirun --allow-run-as-root --bind-to none --mca btl self,vader --mca oob_tcp_if_include lo)
epochs="${SCRATCHNET_MPI_EPOCHS:-1}"

# A debug build by default: it compiles in about a third of a release build's
# time, and the C kernels are -O3 in every configuration (Package.swift), so
# training runs at near release speed. SCRATCHNET_MPI_CONFIGURATION=release
# gives figures to quote.
configuration="${SCRATCHNET_MPI_CONFIGURATION:-debug}"
bin=".build-mpi/$configuration/scratchnet"
echo "== swift build -c $configuration --traits MPI --product scratchnet"
# The CLI runs below check that ranks stay in sync after every step (--verify-sync) and
# that 2 ranks reach 1 process's loss; MPIDistributedTests runs the same comparison
# from Swift: `swift build --traits MPI --build-tests` and mpirun its test bundle.
swift build -c "$configuration" --traits MPI --scratch-path .build-mpi --product scratchnet -q

passed=0

if [ -d "${SCRATCHNET_DATA:-/usr/share/datasets/fashion-mnist}" ]; then
  cores="$(nproc)"
  for ranks in 1 2; do
    echo "== scratchnet train --distributed, $ranks rank(s) × $((cores / ranks > 0 ? cores / ranks : 1)) thread(s), $epochs epoch(s)"
    "${mpi[@]}" -np "$ranks" "$bin" train --distributed --verify-sync --epochs "$epochs" \
      --metrics-json ".build-mpi/distributed-$ranks.json" | tail -n 2
    grep -q '"sync_checks"' ".build-mpi/distributed-$ranks.json"
    passed=$((passed + 1))
  done
  # Same seed, same global batch: same final loss to 4 decimals.
  l1="$(grep '"final_loss"' .build-mpi/distributed-1.json | tr -dc '0-9.')"
  l2="$(grep '"final_loss"' .build-mpi/distributed-2.json | tr -dc '0-9.')"
  awk -v a="$l1" -v b="$l2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-3) }' \
    || { echo "mpi-check: final loss with 1 rank ($l1) and 2 ranks ($l2) differ" >&2; exit 1; }
  echo "final loss: 1 rank $l1, 2 ranks $l2"

  # SIGINT to one rank only: the per-step all-reduce of the stop flag makes both ranks stop after
  # the same step, each with one line and exit 130 (distributed runs are not checkpointed: no model).
  echo "== SIGINT to one of 2 ranks during an epoch"
  rm -f .build-mpi/interrupted.safetensors
  "${mpi[@]}" -np 2 "$bin" train --distributed --epochs 20 \
    --save .build-mpi/interrupted.safetensors > .build-mpi/interrupt.log 2>&1 &
  job=$!
  for _ in $(seq 600); do grep -q "^epoch 1:" .build-mpi/interrupt.log && break; sleep 0.5; done
  rank="$(pgrep -f "^$bin train --distributed" | tail -n 1)"
  [ -n "$rank" ] || { cat .build-mpi/interrupt.log >&2; echo "mpi-check: no rank to interrupt" >&2; exit 1; }
  kill -INT "$rank"
  status=0; timeout 120 tail --pid="$job" -f /dev/null || true; wait "$job" || status=$?
  [ "$(grep -c "interrupted after epoch" .build-mpi/interrupt.log)" -eq 2 ] && [ ! -e .build-mpi/interrupted.safetensors ] \
    && [ "$status" -ne 0 ] \
    || { cat .build-mpi/interrupt.log >&2; echo "mpi-check: the interrupted run did not stop cleanly (exit $status)" >&2; exit 1; }
  echo "interrupted: exit $status, $(grep -m1 interrupted .build-mpi/interrupt.log)"
  passed=$((passed + 1))
else
  echo "mpi-check: Fashion-MNIST not installed; skipping the training runs"
fi
echo "mpi-check: $passed passed, 0 failed"
