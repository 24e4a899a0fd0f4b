#!/usr/bin/env python3
"""Writes the ONNX fixtures ScratchNet's import tests read, and checks
ScratchNet's exported models with onnx.checker and onnxruntime.

  make_onnx_fixtures.py write DIR
      Writes DIR/tiny-mlp.onnx and DIR/tiny-cnn-bn.onnx with their expected
      outputs (DIR/<name>.expected.json: input, output and shapes, computed by
      onnxruntime): nn.Sequential modules in eval mode exported by
      torch.onnx.export (opset 17; needs PyTorch, which CI does not install:
      run it once and commit the files). The MLP: Flatten, Linear (Gemm
      transB=1), BatchNorm1d, ReLU, Tanh, Dropout (gone in eval), Sigmoid;
      the CNN: Conv2d, BatchNorm2d, ReLU, MaxPool2d, reshape(-1, 18) (Reshape
      with a Constant shape), Linear.
  make_onnx_fixtures.py check MODEL.onnx INPUT.npy EXPECTED.npy
      onnx.checker.check_model, then onnxruntime on INPUT (float32, batch
      first) must give EXPECTED within 1e-4 and the same argmax per row.

Exit status 0 means success; a failed check prints one line and exits 1.
"""
import json
import os
import sys

import numpy as np


def fail(message):
    print(f"make_onnx_fixtures.py: {message}")
    sys.exit(1)


def run_onnxruntime(path, x):
    import onnxruntime as ort

    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return session.run(None, {name: x})[0]


def check(model_path, input_path, expected_path):
    import onnx

    onnx.checker.check_model(onnx.load(model_path), full_check=True)
    x = np.load(input_path).astype(np.float32)
    expected = np.load(expected_path)
    got = run_onnxruntime(model_path, x)
    if got.shape != expected.shape:
        fail(f"{model_path}: onnxruntime gives shape {got.shape}, ScratchNet {expected.shape}")
    diff = float(np.max(np.abs(got - expected)))
    if not diff <= 1e-4:
        fail(f"{model_path}: largest difference from ScratchNet's outputs is {diff} > 1e-4")
    if not np.array_equal(got.argmax(axis=1), expected.argmax(axis=1)):
        fail(f"{model_path}: argmax differs from ScratchNet's")
    print(f"ok: {model_path}: checker passed, {got.shape[0]} rows within {diff:.2e}, same argmax")


# ---- the fixtures ------------------------------------------------------------

MLP_INPUT = (1, 4, 4)
CNN_INPUT = (1, 6, 6)


def torch_models():
    import torch
    from torch import nn

    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.BatchNorm1d(8), nn.ReLU(),
                        nn.Linear(8, 6), nn.Tanh(), nn.Dropout(0.25), nn.Linear(6, 5), nn.Sigmoid(),
                        nn.Linear(5, 3))

    class Reshape(nn.Module):
        def forward(self, x):
            return x.reshape(-1, 18)

    cnn = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2),
                        Reshape(), nn.Linear(18, 3))
    for model in (mlp, cnn):
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.5, 0.5)
        model.eval()
    return mlp, cnn


def write_with_torch(directory):
    import torch

    mlp, cnn = torch_models()
    for name, model, shape in (("tiny-mlp", mlp, MLP_INPUT), ("tiny-cnn-bn", cnn, CNN_INPUT)):
        path = os.path.join(directory, name + ".onnx")
        # PRESERVE keeps BatchNorm2d a node of its own (EVAL folds it into the
        # convolution before it); the modules are in eval mode either way.
        torch.onnx.export(model, torch.zeros(2, *shape), path, opset_version=17, dynamo=False,
                          training=torch.onnx.TrainingMode.PRESERVE,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        yield name, path, shape


def write(directory):
    os.makedirs(directory, exist_ok=True)
    models = write_with_torch(directory)
    producer = f"torch.onnx.export (torch {__import__('torch').__version__}, opset 17)"
    rng = np.random.default_rng(1)
    for name, path, shape in models:
        x = rng.uniform(0, 1, size=(3, *shape)).astype(np.float32)
        y = run_onnxruntime(path, x)
        with open(os.path.join(directory, name + ".expected.json"), "w") as f:
            json.dump({"producer": producer, "inputShape": list(x.shape), "input": [float(v) for v in x.ravel()],
                       "outputShape": list(y.shape), "output": [float(v) for v in y.ravel()]}, f)
            f.write("\n")
        print(f"wrote {path} ({producer}) and its expected outputs")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        write(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        print(__doc__)
        sys.exit(2)
