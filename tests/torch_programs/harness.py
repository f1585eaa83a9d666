"""Run one PyTorch program twice in one process, once on the real PyTorch and once with
`torch` bound to glassnet (glassnet.torch_compat.bind), and compare what it computes.

A case is a function of a World. The same function runs on both sides; it builds the
program's models, sends each through `world.sync(model)` (the PyTorch side records the
model's initial state dict, the glassnet side loads that record, so both start from the same
weights), feeds inputs made with NumPy (the same on both sides), and records outputs, losses,
gradients, parameters after optimizer steps and generated tokens with `world.record`. Where a
program draws random numbers inside (torch.randn_like in a VAE), `world.fixed(...)` hands
both sides the same numbers.
"""

import contextlib
import importlib.util
import sys
from pathlib import Path

import numpy as np

PROGRAMS = Path(__file__).resolve().parent
RTOL = 2e-4  # relative, per element
ATOL = 2e-5  # absolute, as a fraction of the array's largest magnitude (for entries near 0)


def _forget_programs():
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and Path(path).resolve().parent == PROGRAMS and name != __name__:
            del sys.modules[name]


def load_program(name):
    """Import tests/torch_programs/<name>.py afresh, with whatever `torch` is bound now."""
    _forget_programs()  # a sibling a program imports must be imported again too
    sys.path.insert(0, str(PROGRAMS))
    try:
        spec = importlib.util.spec_from_file_location(name, PROGRAMS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(PROGRAMS))


def to_numpy(value):
    if hasattr(value, "detach"):
        return np.array(value.detach().cpu().numpy())
    return np.array(value)


class World:
    """One side of a comparison: the program imported with one torch."""

    def __init__(self, torch, program, weights=None):
        self.torch, self.program = torch, program
        self.recording = weights is None
        self.weights = [] if weights is None else list(weights)
        self.results = {}

    def sync(self, model):
        """PyTorch's side records the model's state dict; glassnet's side loads that record."""
        if self.recording:
            self.weights.append({k: to_numpy(v) for k, v in model.state_dict().items()})
        else:
            state = self.weights.pop(0)
            model.load_state_dict({k: self.torch.tensor(v) for k, v in state.items()})
        return model

    def tensor(self, array, dtype=None):
        array = np.asarray(array)
        if dtype is None:
            return self.torch.tensor(array)
        return self.torch.tensor(array, dtype=getattr(self.torch, dtype))

    def record(self, name, value):
        if isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                self.record(f"{name}.{i}", item)
        else:
            self.results[name] = to_numpy(value)

    def record_grads(self, model, prefix="grad", skip=()):
        """Each parameter's gradient, but those whose names end with one of `skip`: a
        gradient that is zero in exact arithmetic (a bias before a softmax or a batch norm,
        whose shift changes nothing) is float32 rounding noise, which no two implementations
        share; the caller names such parameters and why."""
        for name, p in model.named_parameters():
            if p.grad is not None and not name.endswith(tuple(skip) or "\0"):
                self.record(f"{prefix}.{name}", p.grad)

    def record_params(self, model, prefix="param", skip=()):
        """Each parameter but those named in skip (after Adam steps, a parameter whose gradient
        is rounding noise moves by noise / (sqrt(noise^2) + eps): see record_grads)."""
        for name, p in model.named_parameters():
            if not name.endswith(tuple(skip) or "\0"):
                self.record(f"{prefix}.{name}", p)

    @contextlib.contextmanager
    def fixed(self, function, arrays):
        """torch.<function> (randn_like, randn, rand, ...) returns these arrays, in order."""
        queue = list(arrays)
        original = getattr(self.torch, function)

        def fake(*args, **kwargs):
            array = queue.pop(0)
            return self.torch.tensor(array)

        setattr(self.torch, function, fake)
        try:
            yield
        finally:
            setattr(self.torch, function, original)


def compare(expected, got):
    """Lines describing each difference beyond the tolerance (empty when all match)."""
    problems = []
    for name, want in expected.items():
        if name not in got:
            problems.append(f"{name}: not recorded on glassnet's side")
            continue
        have = got[name]
        if have.shape != want.shape:
            problems.append(f"{name}: shape {have.shape}, PyTorch's {want.shape}")
        elif want.dtype.kind in "biu" or have.dtype.kind in "biu":
            if not np.array_equal(have, want):
                problems.append(f"{name}: {have.ravel()[:8]} != PyTorch's {want.ravel()[:8]}")
        else:
            scale = float(np.max(np.abs(want))) if want.size else 0.0
            error = np.abs(have.astype(np.float64) - want)
            bound = RTOL * np.abs(want) + ATOL * scale
            if not np.all(error <= bound):
                worst = float(np.max(error / np.maximum(np.abs(want), max(scale, 1e-30))))
                problems.append(f"{name}: max error {float(np.max(error)):.3g} "
                                f"(relative {worst:.3g}), scale {scale:.3g}")
    return problems


def run_both(program, case, bind):
    """(PyTorch's results, glassnet's results) of case on program."""
    import torch

    torch.manual_seed(0)
    real = World(torch, load_program(program))
    case(real)
    with bind() as bound:
        bound.manual_seed(0)
        glass = World(bound, load_program(program), real.weights)
        case(glass)
    _forget_programs()
    return real.results, glass.results
