"""Prints the result lines of the benchmark scripts (Benchmarks/lib.sh `result`) as one table.

Usage: table.py RESULTS-FILE [title]. Each line: work, ours, unit, baseline label, baseline value,
ratio, aim, peak RSS MiB (tab-separated). An aim "≥ x" is met by a ratio ≥ x, "≤ x" by one ≤ x."""
import os
import platform
import subprocess
import sys


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def met(ratio, aim):
    aim = aim.strip()
    try:
        r = float(ratio)
        bound = float(aim[1:].split()[0].rstrip(",;")) if aim[:1] in "≥≤" else None
        if aim.startswith("≥"):
            return "met" if r >= bound else "NOT met"
        if aim.startswith("≤"):
            return "met" if r <= bound else "NOT met"
    except (ValueError, IndexError):
        pass
    return ""


def main(path, title="make bench"):
    rows = [line.rstrip("\n").split("\t") for line in open(path, encoding="utf-8") if line.strip()]
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print()
    print(f"## {title} — {os.cpu_count()} cores ({cpu_model()}), {rev or 'no git'}, release build, wrk -t2 -c16 on loopback")
    print()
    print("| work | ours | baseline (same run) | baseline | ratio | aim | | server peak RSS |")
    print("|---|---:|---|---:|---:|---|---|---:|")
    for r in rows:
        work, ours, unit, label, base, ratio, aim, rss = (r + [""] * 8)[:8]
        try:
            o, b = float(ours), float(base)
            fmt = (lambda v: f"{v:,.0f}") if unit == "req/s" else (lambda v: f"{v:.3f}")
            ours, base = fmt(o), fmt(b)
        except ValueError:
            pass
        print(f"| {work} | {ours} {unit} | {label} | {base} {unit} | {ratio} | {aim} | {met(ratio, aim)} | {rss} MiB |")
    print()


if __name__ == "__main__":
    main(*sys.argv[1:])
