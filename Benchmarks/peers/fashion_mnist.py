"""Fashion-MNIST as `scratchnet train` reads it, shared by the peer scripts.

Images are float32 in [0, 1] (byte / 255), shape (N, 784) or (N, 1, 28, 28);
labels are int64 class indices. Reads the gzipped IDX files Debian's
dataset-fashion-mnist installs (or $SCRATCHNET_DATA, as the CLI does).
"""
import gzip
import json
import os
import statistics
import struct
import sys

import numpy as np

DEFAULT_DIRECTORY = "/usr/share/datasets/fashion-mnist"


def _read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, rank = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def _find(directory, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(os.path.join(directory, stem + ".gz"))


def load(flatten=True, directory=None):
    """Returns (x_train, t_train, x_test, t_test)."""
    directory = directory or os.environ.get("SCRATCHNET_DATA", DEFAULT_DIRECTORY)
    out = []
    for split in ("train", "t10k"):
        images = _read_idx(_find(directory, f"{split}-images-idx3-ubyte"))
        labels = _read_idx(_find(directory, f"{split}-labels-idx1-ubyte"))
        x = images.astype(np.float32) / np.float32(255)
        x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, 28, 28)
        out += [x, labels.astype(np.int64)]
    return tuple(out)


def report(peer, args, epoch_rates, test_accuracy, final_loss, **extra):
    """Prints the run's one JSON line: samples/s is the median over the timed
    epochs (the first is a warm-up when there are more than two)."""
    timed = epoch_rates[1:] if len(epoch_rates) > 2 else epoch_rates
    line = {
        "peer": peer,
        "model": args.model,
        "optimizer": args.optimizer,
        "threads": args.threads,
        "batch_size": args.batch_size,
        "epochs": args.epochs,
        "samples_per_second": statistics.median(timed),
        "epoch_samples_per_second": [round(r, 1) for r in epoch_rates],
        "test_accuracy": test_accuracy,
        "final_loss": final_loss,
    }
    line.update(extra)
    print(json.dumps(line))
    sys.stdout.flush()


def add_common_arguments(parser, models):
    parser.add_argument("--model", choices=models, default=models[0])
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default=None,
                        help="default: sgd for two-layer, adam otherwise (the issue's pairings)")
    parser.add_argument("--lr", type=float, default=None, help="default: 0.1 for sgd, 0.001 for adam")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)


def resolve_defaults(args):
    if args.optimizer is None:
        args.optimizer = "sgd" if args.model == "two-layer" else "adam"
    if args.lr is None:
        args.lr = 0.1 if args.optimizer == "sgd" else 0.001
    return args


def hidden_sizes(model):
    return {"two-layer": [100], "mlp": [256, 256, 256]}[model]

