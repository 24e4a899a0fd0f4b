"""Alternated `scratchnet train` runs, for the scripts that compare settings
of one binary (thread_scaling.py, contention.py): every round runs each
variant once, so all see the same machine load."""
import re
import statistics
import subprocess


def train_rates(scratchnet, variants, job_flags, rounds):
    """{variant: [samples/s per round]} for `train --quiet <variant flags> <job_flags>`."""
    rates = {v: [] for v in variants}
    for _ in range(rounds):
        for v, flags in variants.items():
            out = subprocess.run([scratchnet, "train", "--quiet"] + flags + job_flags,
                                 check=True, capture_output=True, text=True).stdout
            rates[v].append(float(re.search(r"(\d+) train samples/s", out).group(1)))
    return rates


def print_header(variants, unit=""):
    """The Markdown header: medians per variant, each ratio to the first, the runs."""
    names = list(variants)
    print("| job | " + " | ".join(f"{v}{unit}" for v in names) + " | "
          + " | ".join(f"{v} ÷ {names[0]}" for v in names[1:]) + " | runs |")
    print("|---" * (2 * len(names) + 1) + "|")


def print_row(job, rates):
    """One job's row under print_header."""
    names = list(rates)
    medians = {v: statistics.median(r) for v, r in rates.items()}
    runs = " / ".join(" ".join(f"{r:.0f}" for r in rates[v]) for v in names)
    print(f"| {job} | " + " | ".join(f"{medians[v]:,.0f}" for v in names) + " | "
          + " | ".join(f"{medians[v] / medians[names[0]]:.2f}×" for v in names[1:]) + f" | {runs} |", flush=True)
