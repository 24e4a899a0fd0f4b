#!/usr/bin/env python3
"""Trains four small PyTorch models on Fashion-MNIST and writes each as an
ONNX fixture with PyTorch's own test accuracy beside it.

  train_torch_fashion.py DIR [--data FASHION_MNIST_DIR]

Writes DIR/<name>.onnx and DIR/<name>.json for
  two-layer     Flatten, Linear(784, 50), ReLU, Linear(50, 10)        (the book's TwoLayerNet)
  mlp           Flatten, Linear(784, 100), ReLU, Linear(100, 64), ReLU, Linear(64, 10)
  simple-cnn    Conv2d(1, 16, 5), ReLU, MaxPool2d(2), Flatten, Linear(2304, 50), ReLU,
                Linear(50, 10)                                        (the book's SimpleConvNet)
  bn-cnn        Conv2d(1, 16, 3, padding 1), BatchNorm2d, ReLU, MaxPool2d(2),
                Conv2d(16, 32, 3, padding 1), BatchNorm2d, ReLU, MaxPool2d(2), Flatten,
                Linear(1568, 64), BatchNorm1d, ReLU, Linear(64, 10)
Each is trained with Adam (lr 1e-3, batch 100, 2 epochs, seed 0, one thread,
deterministic algorithms), put in eval mode and exported by
torch.onnx.export (opset 17, TorchScript exporter, BatchNorm kept as its own
node). The JSON holds PyTorch's count of correct predictions on the 10,000
test images (input byte / 255, float32) and its predicted class per image
(a string of digits), which ScratchNet's import must reproduce.

Needs PyTorch (kept out of CI): run it once with
Benchmarks/peers/.venv/bin/python and commit the files.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Benchmarks", "peers"))
import fashion_mnist  # noqa: E402

EPOCHS = 2
BATCH = 100
SEED = 0


def models():
    from torch import nn

    return {
        "two-layer": lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10)),
        "mlp": lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 64), nn.ReLU(),
                                     nn.Linear(64, 10)),
        "simple-cnn": lambda: nn.Sequential(nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                            nn.Linear(16 * 12 * 12, 50), nn.ReLU(), nn.Linear(50, 10)),
        "bn-cnn": lambda: nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                                        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                                        nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.BatchNorm1d(64), nn.ReLU(),
                                        nn.Linear(64, 10)),
    }


def train_and_export(name, make, data, directory):
    import torch

    x_train, t_train, x_test, t_test = data
    torch.manual_seed(SEED)
    model = make()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    xs, ts = torch.from_numpy(x_train), torch.from_numpy(t_train)
    order_rng = torch.Generator().manual_seed(SEED)
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(xs), generator=order_rng)
        for start in range(0, len(xs), BATCH):
            index = order[start:start + BATCH]
            optimizer.zero_grad()
            loss = loss_fn(model(xs[index]), ts[index])
            loss.backward()
            optimizer.step()
        print(f"{name}: epoch {epoch + 1} loss {loss.item():.4f}", flush=True)
    model.eval()
    with torch.no_grad():
        predictions = torch.cat([model(torch.from_numpy(x_test[i:i + 1000])).argmax(dim=1)
                                 for i in range(0, len(x_test), 1000)]).numpy()
    correct = int((predictions == t_test).sum())
    path = os.path.join(directory, name + ".onnx")
    # PRESERVE keeps BatchNorm a node of its own (EVAL folds it into the
    # layer before it); the module is in eval mode, so it is exported in
    # inference form.
    torch.onnx.export(model, torch.zeros(2, *x_test.shape[1:]), path, opset_version=17, dynamo=False,
                      training=torch.onnx.TrainingMode.PRESERVE,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    info = {
        "model": name,
        "architecture": " ".join(str(model).split()),
        "producer": f"torch {torch.__version__}, torch.onnx.export opset 17",
        "training": f"Adam lr 1e-3, batch {BATCH}, {EPOCHS} epochs, seed {SEED}, 60,000 training images / 255",
        "testImages": len(t_test),
        "correct": correct,
        "accuracy": 100.0 * correct / len(t_test),
        "predictions": "".join(str(int(p)) for p in predictions),
    }
    with open(os.path.join(directory, name + ".json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    print(f"{name}: {correct} / {len(t_test)} correct ({info['accuracy']:.2f} %), wrote {path} "
          f"({os.path.getsize(path)} bytes)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--data", default=None)
    parser.add_argument("--only", default=None, help="comma-separated model names")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.directory, exist_ok=True)
    mnist = fashion_mnist.load(flatten=False, directory=args.data)
    wanted = args.only.split(",") if args.only else None
    for name, make in models().items():
        if wanted is None or name in wanted:
            train_and_export(name, make, mnist, args.directory)


if __name__ == "__main__":
    main()
