"""Training speed of `scratchnet train` at 1 thread against 2 threads,
alternated run by run (1, 2, 1, 2, ...) so both see the same machine load;
prints the medians and the 2-thread speed-up per job.

    python thread_scaling.py                          # both jobs, 5 rounds
    python thread_scaling.py --jobs two-layer --rounds 7

Jobs: `two-layer` is `train --quiet --epochs 3` (784-100-10, SGD); `mlp-adam`
is `train --quiet --model mlp --optimizer adam --epochs 1`. The figure is
the samples/s `train` prints (training steps only, evaluation excluded).
Note `train` keeps its thread governor on: under contention its 2-thread
run may train on 1 thread, which is the point of the governor but hides
scaling; measure on a quiet machine.
"""
import argparse
import os
import re
import statistics
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
JOBS = {
    "two-layer": ["--epochs", "3"],
    "mlp-adam": ["--model", "mlp", "--optimizer", "adam", "--epochs", "1"],
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default=",".join(JOBS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scratchnet", default=os.path.join(REPO, ".build", "release", "scratchnet"))
    args = parser.parse_args()
    print("| job | 1 thread samples/s | 2 threads samples/s | speed-up | runs |")
    print("|---|---|---|---|---|")
    for job in args.jobs.split(","):
        rates = {1: [], 2: []}
        for _ in range(args.rounds):
            for threads in (1, 2):
                out = subprocess.run([args.scratchnet, "train", "--quiet", "--threads", str(threads)] + JOBS[job],
                                     check=True, capture_output=True, text=True).stdout
                rates[threads].append(float(re.search(r"(\d+) train samples/s", out).group(1)))
        one, two = statistics.median(rates[1]), statistics.median(rates[2])
        print(f"| {job} | {one:,.0f} | {two:,.0f} | {two / one:.2f}× | "
              f"{' '.join(f'{r:.0f}' for r in rates[1])} / {' '.join(f'{r:.0f}' for r in rates[2])} |", flush=True)


if __name__ == "__main__":
    main()
