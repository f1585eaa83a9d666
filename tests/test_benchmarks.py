"""The benchmark compares like with like: each workload, built in glassnet and in PyTorch from
the same weights, follows the same loss trajectory. And `glassnet bench --json` writes the
documented schema. (No time is asserted: benchmarks are not tests.)"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import workloads


@pytest.mark.parametrize("name", workloads.WORKLOADS)
def test_both_frameworks_follow_the_same_trajectory(name):
    ours, theirs, worst = workloads.check_same_loss(name, steps=2)
    assert worst < 1e-5, (ours, theirs)


def test_bench_json_schema(tmp_path):
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, "-m", "glassnet", "bench", "--only", "mlp", "--repeats", "1",
         "--seconds", "0.05", "--json", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(out.read_text())
    entry = report["workloads"]["mlp"]
    assert {"glassnet", "torch", "ratio"} <= set(entry)
    assert entry["ratio"] == pytest.approx(entry["glassnet"] / entry["torch"])
    assert report["geomean"] == pytest.approx(entry["ratio"])
    assert report["matmul_gflops"] > 0
    assert report["gpt_roofline_fraction"] is None  # gpt was not run
    assert "numpy" in report["versions"] and "torch" in report["versions"]


def test_bench_rejects_an_unknown_workload():
    run = subprocess.run([sys.executable, "-m", "glassnet", "bench", "--only", "nope"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 2
    assert "valid: mlp, cnn, lstm, gpt, vae" in run.stderr
