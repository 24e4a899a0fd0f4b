"""Training speed of `scratchnet train` at 1 thread against 2 threads,
alternated run by run (1, 2, 1, 2, ...) so both see the same machine load;
prints the medians and the 2-thread speed-up per job.

    python thread_scaling.py                          # both jobs, 5 rounds
    python thread_scaling.py --jobs two-layer --rounds 7

Jobs: `two-layer` is `train --quiet --epochs 3` (784-100-10, SGD); `mlp-adam`
is `train --quiet --model mlp --optimizer adam --epochs 1`. The figure is
the samples/s `train` prints (training steps only, evaluation excluded).
`simple-cnn` is `train --quiet --model simple-cnn --optimizer adam --epochs 1`
(not in the default set: ~2 minutes on 2 AVX2 cores).
Runs pass `--fixed-threads`: `train`'s thread governor would otherwise run a
2-thread job on 1 thread whenever a probe finds 1 thread faster (the point of
the governor on a busy machine, but it hides scaling); `--governor` measures
what users get by default instead. Measure on a quiet machine.
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
    "simple-cnn": ["--model", "simple-cnn", "--optimizer", "adam", "--epochs", "1"],
}
DEFAULT_JOBS = ["two-layer", "mlp-adam"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default=",".join(DEFAULT_JOBS), help=f"comma-separated, of: {', '.join(JOBS)}")
    parser.add_argument("--governor", action="store_true", help="leave train's thread governor on")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scratchnet", default=os.path.join(REPO, ".build", "release", "scratchnet"))
    args = parser.parse_args()
    print("| job | 1 thread samples/s | 2 threads samples/s | speed-up | runs |")
    print("|---|---|---|---|---|")
    for job in args.jobs.split(","):
        rates = {1: [], 2: []}
        for _ in range(args.rounds):
            for threads in (1, 2):
                fixed = [] if args.governor else ["--fixed-threads"]
                out = subprocess.run([args.scratchnet, "train", "--quiet", "--threads", str(threads)] + fixed + JOBS[job],
                                     check=True, capture_output=True, text=True).stdout
                rates[threads].append(float(re.search(r"(\d+) train samples/s", out).group(1)))
        one, two = statistics.median(rates[1]), statistics.median(rates[2])
        print(f"| {job} | {one:,.0f} | {two:,.0f} | {two / one:.2f}× | "
              f"{' '.join(f'{r:.0f}' for r in rates[1])} / {' '.join(f'{r:.0f}' for r in rates[2])} |", flush=True)


if __name__ == "__main__":
    main()
