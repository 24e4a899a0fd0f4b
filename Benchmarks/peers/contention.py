"""Training speed with one core kept busy by another process: `scratchnet
train` at 1 thread against 2 threads (`--threads 2`), alternated run by run
so both see the same load; prints the medians and each variant's ratio to 1
thread.

    python contention.py                         # both jobs, 5 rounds, core 1 busy
    python contention.py --jobs two-layer --rounds 7 --busy-cpu 0
    python contention.py --fixed                 # also 2 threads without the governor

The busy process is a shell loop pinned to `--busy-cpu` with taskset, started
before the first run and killed after the last. The target: 2 threads never
slower than 1 (ratios ≥ 1.0×). Jobs as in thread_scaling.py.
"""
import argparse
import os
import subprocess

from alternate import print_header, print_row, train_rates

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
JOBS = {
    "two-layer": ["--epochs", "2"],
    "mlp-adam": ["--model", "mlp", "--optimizer", "adam", "--epochs", "1"],
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default=",".join(JOBS), help=f"comma-separated, of: {', '.join(JOBS)}")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--busy-cpu", type=int, default=1, help="the core the busy loop is pinned to")
    parser.add_argument("--fixed", action="store_true", help="also time 2 threads with --fixed-threads")
    parser.add_argument("--scratchnet", default=os.path.join(REPO, ".build", "release", "scratchnet"))
    args = parser.parse_args()
    variants = {"1": ["--threads", "1"], "2": ["--threads", "2"]}
    if args.fixed:
        variants["2 fixed"] = variants["2"] + ["--fixed-threads"]
    busy = subprocess.Popen(["taskset", "-c", str(args.busy_cpu), "sh", "-c", "while :; do :; done"])
    try:
        print(f"one core busy (cpu {args.busy_cpu}); samples/s, medians of {args.rounds} alternated runs")
        print_header(variants)
        for job in args.jobs.split(","):
            print_row(job, train_rates(args.scratchnet, variants, JOBS[job], args.rounds))
    finally:
        busy.kill()
        busy.wait()


if __name__ == "__main__":
    main()
