"""Inference at batch 1000 on the Fashion-MNIST test set: `scratchnet eval
--repeat` against torch_train.py `--epochs 0`, alternated run by run so both
see the same machine load; prints medians and ScratchNet's ratio.

    python infer_compare.py                                  # two-layer and simple-cnn, 1 and 2 threads
    python infer_compare.py --models two-layer --threads 1 --rounds 7

ScratchNet's figure covers converting the test bytes to floats, the forward
pass and scoring (argmax, confusion counts); PyTorch's the forward pass and
scoring on a test set already in float tensors. The models are trained for
one epoch first (weights do not change the work) and kept in --workdir.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PYTHON = os.path.join(HERE, ".venv", "bin", "python")
TORCH_NAMES = {"two-layer": "two-layer", "mlp": "mlp", "simple-cnn": "simple-conv"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="two-layer,simple-cnn")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, default=5, help="alternations of ScratchNet and PyTorch")
    parser.add_argument("--passes", type=int, default=10, help="passes over the test set per run (median taken)")
    parser.add_argument("--scratchnet", default=os.path.join(REPO, ".build", "release", "scratchnet"))
    parser.add_argument("--workdir", default="/tmp/scratchnet-infer")
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    models = args.models.split(",")
    threads = [int(t) for t in args.threads.split(",")]
    results = {}
    for model in models:
        path = os.path.join(args.workdir, f"{model}.safetensors")
        if not os.path.exists(path):
            subprocess.run([args.scratchnet, "train", "--model", model, "--epochs", "1", "--quiet", "--save", path],
                           check=True, capture_output=True)
    for _ in range(args.rounds):
        for model in models:
            path = os.path.join(args.workdir, f"{model}.safetensors")
            for t in threads:
                out = subprocess.run([args.scratchnet, "eval", "--model", path, "--threads", str(t),
                                      "--repeat", str(args.passes)], check=True, capture_output=True, text=True).stdout
                rate = float(re.search(r"inference (\d+) samples/s", out).group(1))
                results.setdefault((model, t, "scratchnet"), []).append(rate)
                out = subprocess.run([PYTHON, os.path.join(HERE, "torch_train.py"), "--model", TORCH_NAMES[model],
                                      "--epochs", "0", "--inference-repeats", str(args.passes), "--threads", str(t)],
                                     check=True, capture_output=True, text=True).stdout
                rate = json.loads(out.strip().splitlines()[-1])["inference_samples_per_second"]
                results.setdefault((model, t, "torch"), []).append(rate)
    print("| model | threads | ScratchNet samples/s | PyTorch samples/s | ratio |")
    print("|---|---|---|---|---|")
    for model in models:
        for t in threads:
            ours = statistics.median(results[(model, t, "scratchnet")])
            torch = statistics.median(results[(model, t, "torch")])
            print(f"| {model} | {t} | {ours:,.0f} | {torch:,.0f} | {ours / torch:.2f}× |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
