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
2-thread job on 1 thread whenever a probe finds that faster (the point of the
governor on a busy machine, but it hides scaling); `--governor` measures
what users get by default instead. Measure on a quiet machine.
"""
import argparse
import os

from alternate import print_header, print_row, train_rates

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
    variants = {"1": ["--threads", "1"], "2": ["--threads", "2"]}
    if not args.governor:
        variants["2"] += ["--fixed-threads"]
    print_header(variants, " samples/s")
    for job in args.jobs.split(","):
        print_row(job, train_rates(args.scratchnet, variants, JOBS[job], args.rounds))

if __name__ == "__main__":
    main()
