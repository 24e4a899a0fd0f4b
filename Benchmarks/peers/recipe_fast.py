"""PyTorch (eager, CPU) peer of `scratchnet train --recipe fast` (Docs/Recipes.md).

The same recipe, value for value: fast-cnn (three blocks of conv 3x3 pad 1
-> BatchNorm -> ReLU -> max-pool 2 with 24, 48, 96 filters, then linear 256
-> ReLU -> linear 10), He-normal weights and zero biases, AdamW (eps 1e-7, decoupled decay
on the conv and linear weights only) with the one-cycle schedule computed by
the same formula per step, batches of 128 in shuffled epochs (the last one
smaller), random flips and crops with 2 pixels of zero padding, label
smoothing 0.1, and the per-epoch test score averaged over each image and its
mirror image. Prints one line per epoch and one JSON line at the end with
the seconds (since the script started, imports and data loading included)
at which the test accuracy first reached 92, 93 and 94 %.

    python recipe_fast.py --threads 2 --seed 42
"""
import time

STARTED = time.perf_counter()

import peer_threads  # noqa: E402

threads = peer_threads.apply_from_argv()

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402

import fashion_mnist  # noqa: E402

WIDTHS = [24, 48, 96]
HEAD = 256
THRESHOLDS = [0.92, 0.93, 0.94]


def make_model(widths, head=HEAD, classes=10):
    layers, channels, side = [], 1, 28
    for width in widths:
        layers += [nn.Conv2d(channels, width, 3, padding=1), nn.BatchNorm2d(width, eps=1e-6, momentum=0.1),
                   nn.ReLU(), nn.MaxPool2d(2)]
        channels, side = width, side // 2
    layers += [nn.Flatten(), nn.Linear(channels * side * side, head), nn.ReLU(), nn.Linear(head, classes)]
    model = nn.Sequential(*layers)
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return model


def one_cycle(step, total, peak=0.25, start_divisor=25.0, end_divisor=1e4):
    """The factor on the base rate at `step`: LearningRateSchedule.oneCycle."""
    up = max(1, round(peak * total))
    start = 1.0 / start_divisor
    end = start / end_divisor

    def anneal(a, b, progress):
        progress = min(max(progress, 0.0), 1.0)
        return b + (a - b) * (1 + math.cos(math.pi * progress)) / 2

    if step < up:
        return anneal(start, 1.0, step / up)
    return anneal(1.0, end, (step - up) / max(total - up, 1))


def augment(x, generator, pad=2):
    """Flip with p 1/2, then a random crop of the zero-padded image (a shift by -pad..pad)."""
    b, _, h, w = x.shape
    flip = torch.rand(b, generator=generator) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    padded = nn.functional.pad(x, (pad, pad, pad, pad))
    oy = torch.randint(0, 2 * pad + 1, (b,), generator=generator)
    ox = torch.randint(0, 2 * pad + 1, (b,), generator=generator)
    rows = (oy[:, None] + torch.arange(h))[:, :, None]
    cols = (ox[:, None] + torch.arange(w))[:, None, :]
    return padded[torch.arange(b)[:, None, None], 0, rows, cols].unsqueeze(1)


@torch.no_grad()
def flip_averaged_accuracy(model, x, t, batch=1000):
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        xb = x[i:i + batch]
        p = model(xb).softmax(1) + model(xb.flip(3)).softmax(1)
        correct += (p.argmax(1) == t[i:i + batch]).sum().item()
    model.train()
    return correct / len(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=17)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.005)
    parser.add_argument("--weight-decay", type=float, default=0.05)
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--peak", type=float, default=0.25)
    parser.add_argument("--widths", default=",".join(map(str, WIDTHS)))
    parser.add_argument("--head", type=int, default=HEAD)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    torch.set_num_threads(threads)
    torch.manual_seed(args.seed)
    x_train, t_train, x_test, t_test = fashion_mnist.load(flatten=False)
    x_train, t_train = torch.from_numpy(x_train), torch.from_numpy(t_train)
    x_test, t_test = torch.from_numpy(x_test), torch.from_numpy(t_test)

    model = make_model([int(w) for w in args.widths.split(",")], args.head)
    weights = [p for n, p in model.named_parameters() if n.endswith("weight") and p.dim() > 1]
    others = [p for n, p in model.named_parameters() if not (n.endswith("weight") and p.dim() > 1)]
    optimizer = torch.optim.AdamW([{"params": weights, "weight_decay": args.weight_decay},
                                   {"params": others, "weight_decay": 0.0}], lr=args.lr, eps=1e-7)
    steps_per_epoch = math.ceil(len(x_train) / args.batch_size)
    total = args.epochs * steps_per_epoch
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: one_cycle(s, total, args.peak))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    generator = torch.Generator().manual_seed(args.seed)

    reached, history = {}, []
    train_seconds = 0.0
    for epoch in range(1, args.epochs + 1):
        begin = time.perf_counter()
        order = torch.randperm(len(x_train), generator=generator)
        running = 0.0
        for i in range(0, len(order), args.batch_size):
            idx = order[i:i + args.batch_size]
            xb = augment(x_train[idx], generator)
            loss = loss_fn(model(xb), t_train[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            running += loss.item()
        train_seconds += time.perf_counter() - begin
        accuracy = flip_averaged_accuracy(model, x_test, t_test)
        now = time.perf_counter() - STARTED
        for threshold in THRESHOLDS:
            if accuracy >= threshold and f"{threshold:.2f}" not in reached:
                reached[f"{threshold:.2f}"] = now
        history.append({"epoch": epoch, "loss": running / steps_per_epoch, "test_accuracy": accuracy, "seconds": now})
        print(f"epoch {epoch}: loss {running / steps_per_epoch:.4f}  test acc (flip-averaged) {accuracy * 100:.2f}%  {now:.1f} s",
              flush=True)
    print(json.dumps({"peer": "torch", "recipe": "fast", "threads": threads, "seed": args.seed,
                      "test_accuracy": history[-1]["test_accuracy"], "seconds_to_test_accuracy": reached,
                      "train_seconds": train_seconds, "wall_seconds": time.perf_counter() - STARTED,
                      "torch": torch.__version__, "history": history}))


if __name__ == "__main__":
    main()
