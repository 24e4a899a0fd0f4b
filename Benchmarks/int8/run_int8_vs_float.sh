#!/bin/sh
# int8 against float32 inference, side by side: `scratchnet eval --repeat`
# on the Fashion-MNIST test set (batch conversion, forward and scoring
# included), float and int8 alternating within each configuration, at
# batch 1000 and batch 1, 1 and 2 threads. Prints the median samples/s of
# each and the int8/float ratio.
#
# Usage (from the repository root, after `swift build -c release`):
#   Benchmarks/int8/run_int8_vs_float.sh m.safetensors m.int8.safetensors [rounds]
# PASSES (default 5) sets the passes per measurement at batch 1000 (2 at batch 1).
set -eu
float=$1
int8=$2
rounds=${3:-5}
bin=${SCRATCHNET:-.build/release/scratchnet}

rate() {  # model batch threads passes -> samples/s
    "$bin" eval --model "$1" --batch-size "$2" --threads "$3" --repeat "$4" | sed -n 's/^inference \([0-9]*\) samples.*/\1/p'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) vCPUs; $rounds alternating rounds per row"
printf '%-8s %-8s %14s %14s %8s\n' batch threads float32/s int8/s ratio
for batch in 1000 1; do
    passes=${PASSES:-5}; [ "$batch" = 1 ] && passes=2
    for threads in 1 2; do
        f=""; q=""
        i=0
        while [ $i -lt "$rounds" ]; do
            f="$f $(rate "$float" $batch $threads $passes)"
            q="$q $(rate "$int8" $batch $threads $passes)"
            i=$((i + 1))
        done
        mf=$(echo $f | tr ' ' '\n' | median)
        mq=$(echo $q | tr ' ' '\n' | median)
        printf '%-8s %-8s %14s %14s %7.2fx\n' $batch $threads $mf $mq "$(echo "$mq / $mf" | bc -l)"
    done
done
