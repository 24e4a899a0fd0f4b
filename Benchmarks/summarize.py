#!/usr/bin/env python3
"""Turns `swift package benchmark --no-progress` text output into the
markdown tables of README.md (medians, p50).

    swift package benchmark --no-progress | tee run.txt
    python3 summarize.py run.txt

Tables: SGEMM GFLOPS per shape (fast / OpenBLAS at 1 and 2 threads, naive),
softmax + cross-entropy time per call, training-step samples/s and mallocs
per step with the speedup over naive and the 2-thread scaling, inference.
"""
import re
import sys

ROW = re.compile(r"^│\s*(.+?)\s*│(.*)│\s*(\d+)\s*│$")


def parse(text):
    """{benchmark name: {metric: (p50, unit)}}; unit is the one in the row label."""
    results, name = {}, None
    for line in text.splitlines():
        line = line.rstrip()
        if re.match(r"^(SGEMM|SoftmaxCrossEntropy|TrainingStep|Inference) ", line):
            name = line
            results[name] = {}
            continue
        m = ROW.match(line)
        if name and m and not m.group(1).startswith("Metric"):
            label = m.group(1).rstrip(" *")
            cells = [c.strip() for c in m.group(2).split("│")]
            # p0, p25, p50, p75, p90, p99, p100
            unit = re.search(r"\((ns|μs|ms|s|K|M|#)\)\s*$", label)
            results[name][re.sub(r"\s*\((ns|μs|ms|s|K|M|#)\)$", "", label)] = (float(cells[2]), unit.group(1) if unit else "")
    return results


def seconds(value, unit):
    return value * {"ns": 1e-9, "μs": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


def fmt_time(s):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s * 1e9:.3g} ns"


def sgemm_table(results):
    shapes = {}
    for name, metrics in results.items():
        if not name.startswith("SGEMM "):
            continue
        parts = name.split(" ")
        shape, label, impl, threads = parts[1], parts[2], parts[3], parts[4]
        gflops = metrics["MFLOPS"][0] / 1000 if "MFLOPS" in metrics else None
        t = metrics.get("Time (wall clock)")
        shapes.setdefault((shape, label), {})[f"{impl} {threads}"] = (gflops, seconds(*t) if t else None)
    cols = ["fast t1", "fast t2", "openblas t1", "openblas t2", "naive t1"]
    out = ["| shape | " + " | ".join(c + " GFLOPS" for c in cols) + " | fast t1 time | fast÷OpenBLAS t1 | fast÷naive t1 |",
           "|---|" + "---|" * (len(cols) + 3)]
    for (shape, label), row in shapes.items():
        g = {c: row.get(c, (None, None))[0] for c in cols}
        cells = ["–" if g[c] is None else f"{g[c]:.1f}" for c in cols]
        r1 = f"{g['fast t1'] / g['openblas t1']:.2f}×" if g["fast t1"] and g["openblas t1"] else "–"
        r2 = f"{g['fast t1'] / g['naive t1']:.0f}×" if g["fast t1"] and g["naive t1"] else "–"
        t1 = row.get("fast t1", (None, None))[1]
        out.append(f"| {shape} `{label}` | " + " | ".join(cells) + f" | {fmt_time(t1) if t1 else '–'} | {r1} | {r2} |")
    return "\n".join(out)


def softmax_table(results):
    rows = {}
    for name, metrics in results.items():
        if not name.startswith("SoftmaxCrossEntropy "):
            continue
        _, direction, size, backend, threads = name.split(" ")
        t = metrics.get("Time (wall clock)")
        rows.setdefault((direction, size), {})[f"{backend} {threads}"] = (
            seconds(*t) if t else None, metrics.get("Malloc (total)", (None,))[0])
    cols = ["fast t1", "fast t2", "naive t1"]
    out = ["| op | size | " + " | ".join(cols) + " | naive÷fast t1 | mallocs/call fast t1 |", "|---|---|" + "---|" * (len(cols) + 2)]
    for (direction, size), row in sorted(rows.items()):
        cells = [fmt_time(row[c][0]) if c in row and row[c][0] else "–" for c in cols]
        ratio = f"{row['naive t1'][0] / row['fast t1'][0]:.1f}×" if "naive t1" in row and "fast t1" in row else "–"
        mallocs = row.get("fast t1", (None, None))[1]
        out.append(f"| {direction} | {size} | " + " | ".join(cells) + f" | {ratio} | {'–' if mallocs is None else int(mallocs)} |")
    return "\n".join(out)


def step_table(results, prefix):
    rows = {}
    for name, metrics in results.items():
        if not name.startswith(prefix + " "):
            continue
        parts = name.split(" ")
        preset, backend, threads = parts[1], parts[2], parts[3]
        rows.setdefault(preset, {})[f"{backend} {threads}"] = (
            metrics.get("samples/s", (None,))[0], metrics.get("Malloc (total)", (None,))[0],
            seconds(*metrics["Time (wall clock)"]) if "Time (wall clock)" in metrics else None)
    cols = [c for c in ["fast t1", "fast t2", "naive t1"] if any(c in r for r in rows.values())]
    head = "| preset | " + " | ".join(f"{c} samples/s" for c in cols) + " | " + " | ".join(f"mallocs/step {c}" for c in cols)
    extra = []
    if "fast t2" in cols:
        extra.append("t2÷t1")
    if "naive t1" in cols:
        extra.append("fast t1÷naive")
    out = [head + " | " + " | ".join(extra) + " |", "|---|" + "---|" * (2 * len(cols) + len(extra))]
    for preset, row in rows.items():
        rates = [row[c][0] if c in row else None for c in cols]
        mallocs = [row[c][1] if c in row else None for c in cols]
        cells = ["–" if r is None else f"{r:,.0f}" for r in rates]
        cells += ["–" if m is None else f"{int(m)}" for m in mallocs]
        if "fast t2" in cols:
            cells.append(f"{row['fast t2'][0] / row['fast t1'][0]:.2f}×" if "fast t2" in row and "fast t1" in row else "–")
        if "naive t1" in cols:
            cells.append(f"{row['fast t1'][0] / row['naive t1'][0]:.0f}×" if "naive t1" in row and "fast t1" in row else "–")
        out.append(f"| {preset} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main():
    text = open(sys.argv[1], encoding="utf-8").read() if len(sys.argv) > 1 else sys.stdin.read()
    results = parse(text)
    print("### SGEMM (GFLOPS, median)\n")
    print(sgemm_table(results))
    print("\n### Softmax + cross-entropy (time per call, median)\n")
    print(softmax_table(results))
    print("\n### Training step, batch 100 (median)\n")
    print(step_table(results, "TrainingStep"))
    print("\n### Inference, batch 1000 (median)\n")
    print(step_table(results, "Inference"))


if __name__ == "__main__":
    main()
