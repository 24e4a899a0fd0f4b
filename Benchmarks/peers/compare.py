"""Runs `scratchnet train` and each peer on the same jobs, back to back, and
prints a markdown table of training samples/s with ScratchNet's ratio.

    python compare.py                      # all jobs, 1 and 2 threads, 3 epochs
    python compare.py --jobs two-layer:sgd --threads 1 --epochs 2
    python compare.py --build              # swift build -c release first
    python compare.py --jobs deep-conv:adam --epochs 1 --data /tmp/fm10k   # a shorter run on a subset

Every run prints one JSON line (kept in --log); samples/s is the median of
the epochs after the first (of all epochs when there are two or fewer), for
ScratchNet (from --metrics-json's per-epoch history) and for the peers
alike. A job a program cannot run (a model or optimizer it lacks, a peer
not installed) shows as n/a with the reason in the notes below the table.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PYTHON = os.path.join(HERE, ".venv", "bin", "python")

# model:optimizer, with the learning rate each job uses everywhere.
DEFAULT_JOBS = ["two-layer:sgd", "mlp:sgd", "mlp:adam", "simple-conv:adam", "deep-conv:adam"]
LEARNING_RATES = {"sgd": 0.1, "adam": 0.001}
PEERS = {
    "numpy": ("numpy_mlp.py", {"two-layer", "mlp"}),
    "torch": ("torch_train.py", {"two-layer", "mlp", "simple-conv", "deep-conv"}),
    "jax": ("jax_train.py", {"two-layer", "mlp", "simple-conv"}),
}


def median_rate(epoch_rates):
    timed = epoch_rates[1:] if len(epoch_rates) > 2 else epoch_rates
    return statistics.median(timed)


# The peers name the book's SimpleConvNet "simple-conv" and DeepConvNet "deep-conv";
# `scratchnet train` calls them simple-cnn and deep-cnn.
SCRATCHNET_MODEL = {"simple-conv": "simple-cnn", "deep-conv": "deep-cnn"}


def run_scratchnet(binary, model, optimizer, lr, epochs, threads, seed, data=None):
    model = SCRATCHNET_MODEL.get(model, model)
    with tempfile.TemporaryDirectory() as tmp:
        metrics = os.path.join(tmp, "metrics.json")
        cmd = [binary, "train", "--model", model, "--optimizer", optimizer, "--lr", str(lr),
               "--epochs", str(epochs), "--batch-size", "100", "--threads", str(threads),
               "--seed", str(seed), "--quiet", "--metrics-json", metrics] + (["--data", data] if data else [])
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            return None, (done.stderr.strip() or done.stdout.strip()).splitlines()[0]
        with open(metrics) as f:
            summary = json.load(f)
    rates = [e["samples_per_second"] for e in summary["history"]]
    return {"samples_per_second": median_rate(rates), "test_accuracy": summary["test_accuracy"],
            "epoch_samples_per_second": rates}, None


def run_peer(script, model, optimizer, lr, epochs, threads, seed, data=None, python=PYTHON):
    cmd = [python, os.path.join(HERE, script), "--model", model, "--optimizer", optimizer, "--lr", str(lr),
           "--epochs", str(epochs), "--threads", str(threads), "--seed", str(seed)]
    env = dict(os.environ, SCRATCHNET_DATA=data) if data else None
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE, env=env)
    lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
    if done.returncode != 0 or not lines:
        err = (done.stderr.strip() or "no output").splitlines()
        return None, err[-1] if err else "failed"
    return json.loads(lines[-1]), None


def fmt(x):
    return "n/a" if x is None else f"{x:,.0f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default=",".join(DEFAULT_JOBS), help="comma-separated model:optimizer pairs")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--peers", default=",".join(PEERS))
    parser.add_argument("--scratchnet", default=os.path.join(REPO, ".build", "release", "scratchnet"))
    parser.add_argument("--build", action="store_true", help="run `swift build -c release` in the repository first")
    parser.add_argument("--data", default=None,
                        help="MNIST-format directory for every program (default: the installed Fashion-MNIST)")
    parser.add_argument("--python", default=PYTHON, help="the peers' Python (default: this folder's .venv)")
    parser.add_argument("--log", default=None, help="append every run's JSON line to this file")
    args = parser.parse_args()

    if args.build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "scratchnet"], cwd=REPO, check=True)
    if not os.path.exists(args.scratchnet):
        sys.exit(f"compare.py: {args.scratchnet} not found; build it with `swift build -c release` or pass --build")
    if not os.path.exists(args.python):
        sys.exit(f"compare.py: {args.python} not found; run setup_venv.sh first")

    peers = [p for p in args.peers.split(",") if p]
    rows, notes = [], []
    log = open(args.log, "a") if args.log else None
    for job in args.jobs.split(","):
        model, optimizer = job.split(":")
        lr = LEARNING_RATES[optimizer]
        for threads in [int(t) for t in args.threads.split(",")]:
            results = {}
            result, error = run_scratchnet(args.scratchnet, model, optimizer, lr, args.epochs, threads, args.seed,
                                           args.data)
            results["scratchnet"] = result
            if error:
                notes.append(f"scratchnet {job} t{threads}: {error}")
            for peer in peers:
                script, models = PEERS[peer]
                if model not in models:
                    results[peer] = None
                    continue
                result, error = run_peer(script, model, optimizer, lr, args.epochs, threads, args.seed, args.data,
                                         args.python)
                results[peer] = result
                if error:
                    notes.append(f"{peer} {job} t{threads}: {error}")
            for name, result in results.items():
                if result and log:
                    log.write(json.dumps({"program": name, "job": job, "threads": threads, **result}) + "\n")
            rows.append((job, threads, results))
            print(f"done: {job} t{threads}", file=sys.stderr)

    header = ["job", "threads", "scratchnet"] + peers + [f"scratchnet ÷ {p}" for p in peers] + ["test acc (sn / " + " / ".join(peers) + ")"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for job, threads, results in rows:
        sn = results["scratchnet"]["samples_per_second"] if results["scratchnet"] else None
        rates = [results[p]["samples_per_second"] if results.get(p) else None for p in peers]
        ratios = ["n/a" if sn is None or r is None else f"{sn / r:.2f}×" for r in rates]
        accs = [f"{results[n]['test_accuracy'] * 100:.1f}" if results.get(n) else "–" for n in ["scratchnet"] + peers]
        print("| " + " | ".join([job, str(threads), fmt(sn)] + [fmt(r) for r in rates] + ratios + [" / ".join(accs)]) + " |")
    epochs = f"epochs 2..{args.epochs}" if args.epochs > 2 else f"all {args.epochs} epochs"
    print(f"\nsamples/s: training samples per second, median of {epochs} "
          f"(batch 100, Fashion-MNIST 60,000 samples, seed {args.seed}).")
    for note in notes:
        print(f"- n/a: {note}")


if __name__ == "__main__":
    main()
