"""Inference on the Fashion-MNIST test set: ScratchNet against PyTorch eager
and onnxruntime (float32, and int8 by its own static quantization), on the
same trained weights, at batch 1 and batch 1000, 1 and 2 threads, in one run.

    python infer_compare.py                                  # two-layer, mlp, simple-cnn, deep-cnn
    python infer_compare.py --models two-layer --threads 1 --rounds 3

How the peers get ScratchNet's model: `scratchnet train --save` writes a
safetensors file whose metadata holds the network spec; this script rebuilds
the same network in PyTorch from that spec (Affine weights are [in, out],
so transposed into nn.Linear; conv weights are NCHW as in nn.Conv2d), loads
the weights, exports it with torch.onnx.export (opset 17) and quantizes the
export with onnxruntime's quantize_static (QDQ, per-channel int8 weights,
uint8 activations calibrated on 512 training images). Every engine's test
accuracy is printed beside its speed, so a wrong conversion shows.

Figures: samples/s over the 10,000 test images (median of --rounds runs,
engines alternated round by round so that all see the same machine load);
at batch 1 also the p50 and p99 latency of one call. ScratchNet's batch-1000
and batch-1 throughput come from `scratchnet eval --batch-size B --repeat`
(conversion of the bytes, forward, scoring); its batch-1 latency from
Benchmarks/cbench/.build/latency (the C API, as an embedding tool calls it) when
that program has been built (Benchmarks/cbench/run_latency.sh builds it).
The peers time the forward pass on inputs already in float32.

ScratchNet int8 (the default `--scratchnet-int8 quantize`): `scratchnet
quantize --model M --output M.int8.safetensors` (10 calibration batches of
the training set), measured as the float model: `scratchnet eval` for
throughput, the C-API latency program for p50/p99 (it loads either file).
`--scratchnet-int8 none` leaves the row out. A model file already in
--workdir (`MODEL.safetensors`) is used as it is instead of training one.
"""
import argparse
import json
import logging
import os
import re
import shutil
import statistics
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import fashion_mnist  # noqa: E402


# ---------------------------------------------------------------- the model

def read_safetensors(path):
    """(metadata, {name: float32 array}) of a safetensors file (F32 only)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(info["shape"]).copy()
    return metadata, tensors


def torch_network(path):
    """The network of the ScratchNet model file at `path` as a torch.nn.Sequential (eval mode)."""
    import torch
    from torch import nn
    metadata, tensors = read_safetensors(path)
    spec = json.loads(metadata["scratchnet.spec"])
    shape = list(spec["inputShape"])
    modules = []
    for index, layer in enumerate(spec["layers"]):
        (kind, args), = layer.items()
        w, b = tensors.get(f"layers.{index}.weight"), tensors.get(f"layers.{index}.bias")
        if kind == "affine":
            if len(shape) > 1:
                modules.append(nn.Flatten())
                shape = [int(np.prod(shape))]
            linear = nn.Linear(shape[0], args["outputs"])
            linear.weight.data = torch.from_numpy(w.T.copy())
            linear.bias.data = torch.from_numpy(b)
            modules.append(linear)
            shape = [args["outputs"]]
        elif kind == "conv2d":
            c, h, wd = shape
            k, s, p = args["kernel"], args.get("stride", 1), args.get("padding", 0)
            conv = nn.Conv2d(c, args["filters"], k, stride=s, padding=p)
            conv.weight.data = torch.from_numpy(w)
            conv.bias.data = torch.from_numpy(b)
            modules.append(conv)
            shape = [args["filters"], (h + 2 * p - k) // s + 1, (wd + 2 * p - k) // s + 1]
        elif kind == "maxPool":
            size, stride = args["size"], args.get("stride", args["size"])
            modules.append(nn.MaxPool2d(size, stride))
            shape = [shape[0], (shape[1] - size) // stride + 1, (shape[2] - size) // stride + 1]
        elif kind in ("relu", "sigmoid", "tanh"):
            modules.append({"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}[kind]())
        elif kind == "dropout":
            modules.append(nn.Identity())
        else:
            raise SystemExit(f"{path}: layer {index} ({kind}) has no PyTorch counterpart in this script")
    return nn.Sequential(*modules).eval()


def export_onnx(network, path):
    import torch
    example = torch.zeros(1, 1, 28, 28)
    kwargs = dict(input_names=["image"], output_names=["logits"], opset_version=17,
                  dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    try:
        torch.onnx.export(network, (example,), path, dynamo=False, **kwargs)
    except TypeError:  # torch without the dynamo switch
        torch.onnx.export(network, (example,), path, **kwargs)


def quantize_onnx(fp32_path, int8_path, calibration):
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType, quantize_static)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter([{"image": calibration[i:i + 64]} for i in range(0, len(calibration), 64)])

        def get_next(self):
            return next(self.batches, None)

    quantize_static(fp32_path, int8_path, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8)


# ---------------------------------------------------------------- timing

def time_engine(run, x, t_test, batch, single_calls):
    """(samples/s, accuracy, p50 µs, p99 µs) of `run(batch_array) -> logits`."""
    if batch == 1:
        run(x[:1])  # warm-up
        laps = []
        correct = 0
        for i in range(single_calls):
            start = time.perf_counter()
            logits = run(x[i:i + 1])
            laps.append(time.perf_counter() - start)
            correct += int(np.argmax(logits[0]) == t_test[i])
        laps.sort()
        p50, p99 = laps[len(laps) // 2], laps[min(len(laps) - 1, int(len(laps) * 0.99))]
        return single_calls / sum(laps), correct / single_calls, p50 * 1e6, p99 * 1e6
    run(x[:batch])
    start = time.perf_counter()
    correct = 0
    for i in range(0, len(x), batch):
        correct += int((np.argmax(run(x[i:i + batch]), axis=1) == t_test[i:i + batch]).sum())
    return len(x) / (time.perf_counter() - start), correct / len(x), None, None


def scratchnet_eval(binary, model, threads, batch, passes):
    out = subprocess.run([binary, "eval", "--model", model, "--threads", str(threads), "--batch-size", str(batch),
                          "--repeat", str(passes)], check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"inference (\d+) samples/s", out).group(1))
    accuracy = float(re.search(r"test accuracy ([\d.]+)%", out).group(1)) / 100
    return rate, accuracy


def scratchnet_latency(binary, model, threads, calls):
    """(p50 µs, p99 µs) from Benchmarks/cbench/latency, or (None, None) when it is not built."""
    if not binary or not os.path.exists(binary):
        return None, None
    out = subprocess.run([binary, model, str(threads), str(calls)], check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["p50_us"], result["p99_us"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="two-layer,mlp,simple-cnn,deep-cnn")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--batches", default="1,1000")
    parser.add_argument("--rounds", type=int, default=3, help="alternations of all engines (median taken)")
    parser.add_argument("--passes", type=int, default=3, help="passes over the test set per ScratchNet eval at batch 1000")
    parser.add_argument("--single-calls", type=int, default=2000, help="batch-1 calls timed per engine and round")
    parser.add_argument("--scratchnet", default=os.path.join(REPO, ".build", "release", "scratchnet"))
    parser.add_argument("--latency", default=os.path.join(HERE, "..", "cbench", ".build", "latency"),
                        help="the C-API latency program (Benchmarks/cbench/run_latency.sh builds it)")
    parser.add_argument("--scratchnet-int8", choices=["none", "quantize"], default="quantize",
                        help="also measure ScratchNet int8 (needs `scratchnet quantize`)")
    parser.add_argument("--workdir", default="/tmp/scratchnet-infer")
    args = parser.parse_args()

    import torch
    import onnxruntime as ort

    os.makedirs(args.workdir, exist_ok=True)
    models = args.models.split(",")
    threads = [int(t) for t in args.threads.split(",")]
    batches = [int(b) for b in args.batches.split(",")]
    x_train, _, x_test, t_test = fashion_mnist.load(flatten=False)
    calibration = x_train[:512]
    ort.set_default_logger_severity(3)
    logging.getLogger().setLevel(logging.ERROR)  # quantize_static's advice to pre-process
    import warnings
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # the TorchScript exporter's notice

    engines = {}  # model -> {engine name: (kind, handle)}
    for model in models:
        path = os.path.join(args.workdir, f"{model}.safetensors")
        if not os.path.exists(path):
            subprocess.run([args.scratchnet, "train", "--model", model, "--epochs", "1", "--quiet", "--save", path],
                           check=True, capture_output=True)
        network = torch_network(path)
        fp32, int8 = (os.path.join(args.workdir, f"{model}.{kind}.onnx") for kind in ("fp32", "int8"))
        export_onnx(network, fp32)
        quantize_onnx(fp32, int8, calibration)
        engines[model] = {"ScratchNet f32": ("scratchnet", path), "PyTorch eager": ("torch", network),
                          "onnxruntime f32": ("ort", fp32), "onnxruntime int8": ("ort", int8)}
        int8_model = path.replace(".safetensors", ".int8.safetensors")
        if args.scratchnet_int8 == "quantize":
            made = subprocess.run([args.scratchnet, "quantize", "--model", path, "--output", int8_model],
                                  capture_output=True, text=True)
            if made.returncode == 0:
                engines[model]["ScratchNet int8"] = ("scratchnet", int8_model)
            else:
                print(f"{model}: scratchnet quantize failed: {made.stderr.strip()}", file=sys.stderr)
            engines[model].setdefault("ScratchNet int8", ("missing", None))

    results = {}
    for _ in range(args.rounds):
        for model in models:
            for t in threads:
                torch.set_num_threads(t)
                options = ort.SessionOptions()
                options.intra_op_num_threads = t
                options.inter_op_num_threads = 1
                for name, (kind, handle) in engines[model].items():
                    if kind == "missing":
                        continue
                    if kind == "ort":
                        session = ort.InferenceSession(handle, options, providers=["CPUExecutionProvider"])
                    for batch in batches:
                        key = (model, t, batch, name)
                        if kind == "scratchnet":
                            passes = max(2, args.passes) if batch > 1 else 2  # eval prints a rate from 2 passes on
                            rate, accuracy = scratchnet_eval(args.scratchnet, handle, t, batch, passes)
                            p50 = p99 = None
                            if batch == 1:
                                p50, p99 = scratchnet_latency(args.latency, handle, t, args.single_calls)
                            figure = (rate, accuracy, p50, p99)
                        elif kind == "torch":
                            def run(x, network=handle):
                                with torch.inference_mode():
                                    return network(torch.from_numpy(x)).numpy()
                            figure = time_engine(run, x_test, t_test, batch, args.single_calls)
                        else:
                            def run(x, session=session):
                                return session.run(None, {"image": x})[0]
                            figure = time_engine(run, x_test, t_test, batch, args.single_calls)
                        results.setdefault(key, []).append(figure)

    def median(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    def cell(value, fmt):
        return "n/a" if value is None else format(value, fmt)

    print(f"{os.cpu_count()} CPUs; torch {torch.__version__}, onnxruntime {ort.__version__}; "
          f"medians of {args.rounds} rounds; batch-1 latency over {args.single_calls} calls")
    print("| model | threads | batch | engine | samples/s | p50 µs | p99 µs | accuracy | ScratchNet f32 / this "
          "| ScratchNet int8 / this |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for model in models:
        for t in threads:
            for batch in batches:
                ours = median([r[0] for r in results.get((model, t, batch, "ScratchNet f32"), [])])
                ours8 = median([r[0] for r in results.get((model, t, batch, "ScratchNet int8"), [])])
                for name in engines[model]:
                    figures = results.get((model, t, batch, name))
                    if not figures:
                        print(f"| {model} | {t} | {batch} | {name} | n/a | | | | | |")
                        continue
                    rate = median([f[0] for f in figures])
                    accuracy = median([f[1] for f in figures])
                    p50, p99 = median([f[2] for f in figures]), median([f[3] for f in figures])
                    ratio = f"{ours / rate:.2f}×" if ours and name != "ScratchNet f32" else ""
                    ratio8 = f"{ours8 / rate:.2f}×" if ours8 and not name.startswith("ScratchNet") else ""
                    print(f"| {model} | {t} | {batch} | {name} | {rate:,.0f} | {cell(p50, '.1f')} | {cell(p99, '.1f')} "
                          f"| {accuracy * 100:.2f}% | {ratio} | {ratio8} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
