#!/usr/bin/env python3
"""Cross-checks ScratchNet's safetensors and .npz files against the reference
Python readers (Hugging Face `safetensors`, numpy).

  make_fixtures.py check FILE.safetensors  -- FILE was written by ScratchNet's tests
                                             for the tiny network; its values follow
                                             the pattern below, bit for bit
  make_fixtures.py check-npz FILE.npz      -- the same tensors exported as .npz
  make_fixtures.py write OUT.safetensors   -- writes a model file for the same
                                             architecture that ScratchNet's tests load

The tiny network: input 1x2x2 -> affine(3) -> relu -> affine(2).
Exit status 0 means every check passed; failures print one line and exit 1.
"""
import json
import sys

import numpy as np

SHAPES = {
    "layers.0.weight": (4, 3),
    "layers.0.bias": (3,),
    "layers.2.weight": (3, 2),
    "layers.2.bias": (2,),
}
SPEC = {
    "initializer": {"gaussian": {"std": 0.01}},
    "inputShape": [1, 2, 2],
    "layers": [{"affine": {"outputs": 3}}, {"relu": {}}, {"affine": {"outputs": 2}}],
    "weightDecay": 0,
}


def pattern(name, shape, multiplier, modulus):
    """Exactly representable float32 values: ((k*multiplier + layer) % modulus - modulus//2) / 8."""
    layer = int(name.split(".")[1])
    k = np.arange(int(np.prod(shape)), dtype=np.int64)
    return (((k * multiplier + layer) % modulus - modulus // 2) / 8.0).astype(np.float32).reshape(shape)


def fail(message):
    print(f"make_fixtures.py: {message}")
    sys.exit(1)


def check_tensors(tensors, where):
    if set(tensors) != set(SHAPES):
        fail(f"{where}: tensors {sorted(tensors)}, expected {sorted(SHAPES)}")
    for name, shape in SHAPES.items():
        value = tensors[name]
        if value.dtype != np.float32 or value.shape != shape:
            fail(f"{where}: {name} is {value.dtype} {value.shape}, expected float32 {shape}")
        expected = pattern(name, shape, 7, 11)
        if not np.array_equal(value, expected):
            fail(f"{where}: {name} = {value.ravel().tolist()}, expected {expected.ravel().tolist()}")


def check(path):
    from safetensors import safe_open
    from safetensors.numpy import load_file

    check_tensors(load_file(path), path)
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata()
    spec = json.loads(metadata["scratchnet.spec"])
    if spec["inputShape"] != SPEC["inputShape"] or spec["layers"] != SPEC["layers"]:
        fail(f"{path}: spec {spec} is not the tiny network")
    if metadata.get("scratchnet.format") != "1":
        fail(f"{path}: scratchnet.format is {metadata.get('scratchnet.format')!r}")
    print(f"ok: {path}: {len(SHAPES)} tensors and the spec match")


def check_npz(path):
    with np.load(path) as archive:
        check_tensors({name: archive[name] for name in archive.files}, path)
    print(f"ok: {path}: {len(SHAPES)} arrays match")


def write(path):
    from safetensors.numpy import save_file

    tensors = {name: pattern(name, shape, 5, 13) for name, shape in SHAPES.items()}
    # The logits numpy computes for the input x = [0.5, -1, 0.25, 2]: ScratchNet's
    # forward pass must agree.
    x = np.array([[0.5, -1.0, 0.25, 2.0]], dtype=np.float32)
    hidden = np.maximum(x @ tensors["layers.0.weight"] + tensors["layers.0.bias"], 0)
    logits = hidden @ tensors["layers.2.weight"] + tensors["layers.2.bias"]
    metadata = {
        "scratchnet.spec": json.dumps(SPEC),
        "scratchnet.format": "1",
        "fixture.logits": json.dumps([float(v) for v in logits.ravel()]),
    }
    save_file(tensors, path, metadata=metadata)
    print(f"wrote {path}")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("check", "check-npz", "write"):
        print(__doc__)
        sys.exit(2)
    {"check": check, "check-npz": check_npz, "write": write}[sys.argv[1]](sys.argv[2])
