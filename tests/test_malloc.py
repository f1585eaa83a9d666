"""glassnet._malloc: after import, a training step reuses freed memory instead of taking fresh
pages from the kernel (a count of page faults, not a time), and GLASSNET_MALLOPT=0 opts out."""

import os
import resource
import subprocess
import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet import _malloc

pytestmark = pytest.mark.skipif(not _malloc.TUNED, reason="malloc tuning needs glibc's mallopt")


def test_training_steps_make_no_fresh_pages():
    model = gn.nn.Sequential(gn.nn.Conv2d(1, 16, 3, padding=1), gn.nn.ReLU(), gn.nn.MaxPool2d(2),
                             gn.nn.Flatten(), gn.nn.Linear(16 * 8 * 8, 10))
    optimizer = gn.optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    x = gn.from_numpy(rng.standard_normal((64, 1, 16, 16)).astype(np.float32))  # ~1 MB activations
    y = gn.from_numpy(rng.integers(0, 10, 64))

    def step():
        optimizer.zero_grad()
        gn.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()

    for _ in range(3):
        step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        step()
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10
    # with glibc's default thresholds this model takes ~1,300 fresh pages a step
    assert faults < 50, faults


def test_the_tuning_can_be_switched_off():
    code = "import glassnet._malloc as m; print(m.TUNED)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "GLASSNET_MALLOPT": "0"}, check=True)
    assert run.stdout.strip() == "False"
