"""Side-by-side timing of glassnet and PyTorch on the reference workloads (benchmarks/README.md).

Each workload is built in both frameworks from the same weights; after a warm-up the two are
timed alternately, several repeats each, so that load from other processes on this shared
machine hits both alike. Both run at the same thread count (torch.set_num_threads, and
threadpoolctl for NumPy's BLAS). Reported: median steps/s, the spread (min-max), the ratio
glassnet/PyTorch, their geometric mean, NumPy's float32 matmul GFLOP/s and the fraction of it
the gpt workload reaches. This is a benchmark, never a test: nothing here asserts a time.
"""

import argparse
import json
import math
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workloads


def steps_per_second(step, seconds):
    """Run step() for about `seconds`; steps per second of wall time."""
    count, start = 0, time.perf_counter()
    while True:
        step()
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


def matmul_gflops(size=1024, seconds=1.0):
    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    b = a.T.copy()
    rate = steps_per_second(lambda: a @ b, seconds)
    return 2 * size**3 * rate / 1e9


def blas_info():
    try:
        from threadpoolctl import threadpool_info

        return [
            {k: pool.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
            for pool in threadpool_info()
        ]
    except ImportError:
        return "threadpoolctl not installed"


def run(names, threads, repeats, seconds, log=print):
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        torch = None
        log("PyTorch is not installed: timing glassnet alone (pip install -e .[test] adds it).")
    try:
        from threadpoolctl import threadpool_limits

        limiter = threadpool_limits(threads)
    except ImportError:
        limiter = None
        log("threadpoolctl is not installed: NumPy's BLAS uses its default thread count.")
    results = {}
    for name in names:
        glassnet_step, torch_step = workloads.build(name)
        for _ in range(3):  # warm-up: caches, allocator, lazy imports
            glassnet_step()
            if torch_step:
                torch_step()
        ours, theirs = [], []
        for _ in range(repeats):
            ours.append(steps_per_second(glassnet_step, seconds))
            if torch_step:
                theirs.append(steps_per_second(torch_step, seconds))
        entry = {"glassnet": statistics.median(ours), "glassnet_spread": [min(ours), max(ours)]}
        if theirs:
            entry["torch"] = statistics.median(theirs)
            entry["torch_spread"] = [min(theirs), max(theirs)]
            entry["ratio"] = entry["glassnet"] / entry["torch"]
        results[name] = entry
        log(_row(name, entry))
    gflops = matmul_gflops()
    ratios = [r["ratio"] for r in results.values() if "ratio" in r]
    report = {
        "workloads": results,
        "geomean": math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else None,
        "matmul_gflops": gflops,
        "gpt_roofline_fraction": (
            workloads.gpt_step_flops() * results["gpt"]["glassnet"] / (gflops * 1e9)
            if "gpt" in results else None
        ),
        "threads": threads,
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "torch": torch.__version__ if torch else None,
            "blas": blas_info(),
            "machine": platform.machine(),
        },
    }
    if limiter is not None:
        limiter.restore_original_limits()
    return report


def _row(name, entry):
    ours = f"{entry['glassnet']:9.1f} ({entry['glassnet_spread'][0]:.0f}-{entry['glassnet_spread'][1]:.0f})"
    if "torch" not in entry:
        return f"{name:6s} {ours}"
    theirs = f"{entry['torch']:9.1f} ({entry['torch_spread'][0]:.0f}-{entry['torch_spread'][1]:.0f})"
    return f"{name:6s} {ours:>24s} {theirs:>24s} {entry['ratio']:8.2f}"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="glassnet bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(workloads.WORKLOADS),
                        help="comma-separated workloads: " + ", ".join(workloads.WORKLOADS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="per timed repeat")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in workloads.WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; valid: {', '.join(workloads.WORKLOADS)}")
    print(f"{'':6s} {'glassnet steps/s':>24s} {'torch steps/s':>24s} {'ratio':>8s}")
    report = run(names, args.threads, args.repeats, args.seconds)
    if report["geomean"] is not None:
        print(f"geometric mean ratio: {report['geomean']:.2f}")
    print(f"NumPy float32 matmul: {report['matmul_gflops']:.1f} GFLOP/s")
    if report["gpt_roofline_fraction"] is not None:
        print(f"gpt reaches {report['gpt_roofline_fraction']:.1%} of that")
    print("versions:", json.dumps(report["versions"]))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
