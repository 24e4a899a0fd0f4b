#!/usr/bin/env bash
# Builds and runs the kernel tests (C kernels, their Swift wrappers and the
# naive oracle) under AddressSanitizer (Swift and C) and
# UndefinedBehaviorSanitizer (C: swiftc has no -sanitize=undefined on Linux),
# in one build in its own folder (.build-sanitize) so the normal .build stays
# untouched. The ASan runtime SwiftPM links carries UBSan's handlers too.
# Any sanitizer report fails the run.
#   scripts/sanitize.sh [TEST-FILTER]   (default: the kernel suites, data-parallel training
#   with ranks on threads, and the byte-input product, which packs straight from uint8 images)
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-Kernel|DistributedTests|ByteInput|GEMV}"
scratch=.build-sanitize
mkdir -p "$scratch"
log="$scratch/test.log"
export SWIFT_BACKTRACE=enable=no
# XCTest's runner (which runs first, with no tests here) leaks its own suite
# objects at exit; that is not our code.
echo "leak:libXCTest.so" > "$scratch/lsan-suppressions.txt"
export LSAN_OPTIONS="suppressions=$PWD/$scratch/lsan-suppressions.txt"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1"
# UBSan is built not to recover (-fno-sanitize-recover); print its stacks.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
ubsan=(-Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined -Xcc -fno-omit-frame-pointer)
echo "sanitize.sh: swift test -c release --sanitize=address ${ubsan[*]} --filter $filter"
if ! swift test -c release --sanitize=address "${ubsan[@]}" --scratch-path "$scratch" --filter "$filter" > "$log" 2>&1; then
  grep -v "Cannot export local symbol" "$log" | tail -n 60 >&2
  echo "sanitize.sh: the sanitized test run failed (full log: $log)" >&2
  exit 1
fi
if grep -qE "runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer" "$log"; then
  grep -E -A20 "runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer" "$log" | head -n 60 >&2
  echo "sanitize.sh: a sanitizer reported a problem (full log: $log)" >&2
  exit 1
fi
grep -E "Test run with" "$log" | tail -n 1
