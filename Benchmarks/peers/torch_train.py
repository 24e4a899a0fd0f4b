"""PyTorch (eager, CPU) on the same job as `scratchnet train`: Fashion-MNIST,
batch 100, shuffled epochs, float32, He initialization, zero biases.

Models: two-layer (784-100-10 ReLU), mlp (784-256-256-256-10 ReLU) and
simple-conv (the book's SimpleConvNet: conv 30×5×5, ReLU, max-pool 2,
affine 100, ReLU, affine 10) and deep-conv (the book's DeepConvNet, as
`scratchnet train --model deep-cnn`: 3×3 convolutions 16, 16, pool, 32,
32 (padding 2), pool, 64, 64, pool, each followed by ReLU, then affine 50,
ReLU, dropout 0.5, affine 10). Optimizers: sgd, or adam with the book's
eps 1e-7 (torch adds eps after the bias correction; the book folds the
correction into lr — the same up to where eps sits).

    python torch_train.py --model mlp --optimizer adam --epochs 3 --threads 1

Also times inference on the test set at batch 1000 (median of
--inference-repeats passes; `--epochs 0` times inference alone, on the
untrained model: the same work). Prints one JSON line.

    python torch_train.py --model two-layer --epochs 0 --inference-repeats 20 --threads 1
"""
import peer_threads

threads = peer_threads.apply_from_argv()

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import fashion_mnist  # noqa: E402


def deep_conv():
    layers, channels = [], 1
    for filters, pad, pool in [(16, 1, False), (16, 1, True), (32, 1, False), (32, 2, True),
                               (64, 1, False), (64, 1, True)]:
        layers += [nn.Conv2d(channels, filters, 3, padding=pad), nn.ReLU()]
        if pool:
            layers.append(nn.MaxPool2d(2))
        channels = filters
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(64 * 4 * 4, 50), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(50, 10))


def make_model(name):
    if name == "deep-conv":
        model = deep_conv()
    elif name == "simple-conv":
        model = nn.Sequential(
            nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(30 * 12 * 12, 100), nn.ReLU(), nn.Linear(100, 10))
    else:
        sizes = [784] + fashion_mnist.hidden_sizes(name) + [10]
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        model = nn.Sequential(*layers)
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")  # He: std sqrt(2/fan_in)
            nn.init.zeros_(m.bias)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    fashion_mnist.add_common_arguments(parser, ["two-layer", "mlp", "simple-conv", "deep-conv"])
    parser.add_argument("--inference-repeats", type=int, default=3)
    parser.add_argument("--train-samples", type=int, default=None,
                        help="train on the first N (shuffled) samples per epoch: a shorter timed run")
    args = fashion_mnist.resolve_defaults(parser.parse_args())
    torch.set_num_threads(threads)
    torch.manual_seed(args.seed)
    x_train, t_train, x_test, t_test = fashion_mnist.load(flatten=args.model not in ("simple-conv", "deep-conv"))
    x_train, t_train = torch.from_numpy(x_train), torch.from_numpy(t_train)
    x_test, t_test = torch.from_numpy(x_test), torch.from_numpy(t_test)

    model = make_model(args.model)
    if args.optimizer == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(args.seed)

    rates, loss = [], torch.tensor(float("nan"))
    n = len(x_train)
    steps = n if args.train_samples is None else min(n, args.train_samples)
    model.train()
    for _ in range(args.epochs):
        order = torch.randperm(n, generator=generator)
        start = time.perf_counter()
        for i in range(0, steps, args.batch_size):
            idx = order[i:i + args.batch_size]
            x, t = x_train[idx], t_train[idx]
            optimizer.zero_grad(set_to_none=False)
            loss = loss_fn(model(x), t)
            loss.backward()
            optimizer.step()
        rates.append(steps / (time.perf_counter() - start))

    model.eval()
    inference_rates, correct = [], 0
    with torch.inference_mode():
        for repeat in range(args.inference_repeats):
            start = time.perf_counter()
            correct = 0
            for i in range(0, len(x_test), 1000):
                correct += int((model(x_test[i:i + 1000]).argmax(1) == t_test[i:i + 1000]).sum())
            inference_rates.append(len(x_test) / (time.perf_counter() - start))
    fashion_mnist.report("torch", args, rates or [float("nan")], correct / len(x_test), float(loss.detach()),
                         inference_batch=1000, inference_samples_per_second=statistics.median(inference_rates),
                         torch_version=torch.__version__)


if __name__ == "__main__":
    main()
