"""Issue 13's anomaly bench, the peer: the same week of one-minute samples for N series (noise,
a daily wave, one 10-minute spike of +12), judged by a trailing-window robust z-score with
numpy (sliding_window_view; np.median for the median and for the MAD) and the same run rule
(|z| >= 4 for at least 3 consecutive samples). Generation is outside the timed part. Prints one
JSON line: seconds, CPU seconds, peak RSS, spikes found."""
import json
import re
import resource
import sys
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

SERIES = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
POINTS = 7 * 1440
WINDOW = 60


def generate(seed):
    rng = np.random.default_rng(seed + 1000)
    i = np.arange(POINTS)
    values = 100 + 10 * np.sin(2 * np.pi * (i % 1440) / 1440.0) + rng.standard_normal(POINTS)
    spike = 5 * 1440 + int(rng.integers(1400))
    values[spike:spike + 10] += 12
    return values, spike


def detect(values):
    # Trailing window [i - 60, i) for point i: windows[k] covers points k .. k + 59, judged point k + 60.
    windows = sliding_window_view(values[:-1], WINDOW)
    median = np.median(windows, axis=1)
    mad = np.median(np.abs(windows - median[:, None]), axis=1)
    scale = 1.4826 * mad
    scale[scale == 0] = np.nan
    z = (values[WINDOW:] - median) / scale
    flagged = np.abs(z) >= 4
    # Runs of at least 3 consecutive flagged points in one direction.
    sign = np.where(flagged, np.sign(z), 0)
    change = np.flatnonzero(np.diff(np.concatenate(([0], sign, [0]))) != 0)
    runs = []
    for start, end in zip(change[:-1], change[1:]):
        if sign[start] != 0 and end - start >= 3:
            runs.append((start + WINDOW, end - 1 + WINDOW, int(sign[start])))
    return runs


def main():
    detect(generate(-1)[0])  # warm-up
    generation = 0.0
    found = 0
    anomalies = 0
    cpu_before = time.process_time()
    started = time.perf_counter()
    for s in range(SERIES):
        t0 = time.perf_counter()
        values, spike = generate(s)
        generation += time.perf_counter() - t0
        runs = detect(values)
        anomalies += len(runs)
        if any(d > 0 and a <= spike + 9 and b >= spike for a, b, d in runs):
            found += 1
    seconds = time.perf_counter() - started - generation
    cpu = time.process_time() - cpu_before
    with open("/proc/self/status") as status:
        peak = int(re.search(r"VmHWM:\s+(\d+)", status.read()).group(1)) * 1024
    print(json.dumps({"series": SERIES, "points": POINTS, "seconds": round(seconds, 3), "generation_seconds": round(generation, 3),
                      "cpu_seconds": round(cpu, 3), "peak_rss_bytes": peak, "spikes_found": found, "anomalies": anomalies,
                      "numpy": np.__version__}))
    sys.exit(0 if found == SERIES else 1)


main()
