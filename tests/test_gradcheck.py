"""The gradient-check table, case by case; the checker itself; and `glassnet gradcheck`."""

import inspect
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet import functional
from glassnet.autograd import Function
from glassnet.gradcheck_cases import CASES, check
from glassnet.nn.module import Module
from glassnet.ops import conv, elementwise, fused, matmul, movement, reduce
from glassnet.testing import gradcheck

REPO = Path(__file__).resolve().parents[1]
NAMES = [case.name for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=NAMES)
def test_case(case):
    result = check(case)
    assert result.ok, (
        f"{case.name}: analytic and numeric gradients differ: max abs error "
        f"{result.max_abs_error:.3e}, max rel error {result.max_rel_error:.3e}"
    )


def test_case_names_are_unique():
    assert len(NAMES) == len(set(NAMES))


# ---- the table covers the engine: adding an op or a layer without a case fails here ----
def _covered(prefix, name):
    return any(n.split(".")[1].replace("_", "") == name.replace("_", "").lower()
               for n in NAMES if n.startswith(prefix + "."))


def test_every_primitive_has_a_case():
    modules = (conv, elementwise, fused, matmul, movement, reduce)
    primitives = {cls.__name__ for module in modules for cls in vars(module).values()
                  if inspect.isclass(cls) and issubclass(cls, Function) and cls is not Function}
    assert primitives, "found no primitives to check"
    assert [name for name in sorted(primitives) if not _covered("ops", name)] == []


def test_every_functional_op_has_a_case():
    no_gradient = {"one_hot"}  # returns integers
    public = {fn.__name__ for name, fn in vars(functional).items()
              if inspect.isfunction(fn) and not name.startswith("_")
              and fn.__module__.startswith(functional.__name__)} - no_gradient
    assert [name for name in sorted(public) if not _covered("F", name)] == []


def test_every_exported_layer_has_a_case():
    containers = {"Module", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"}  # no
    # forward of their own
    layers = {cls.__name__ for cls in vars(gn.nn).values()
              if inspect.isclass(cls) and issubclass(cls, Module)} - containers
    assert "Linear" in layers
    covered = {".".join(name.split(".")[:2]) for name in NAMES}
    assert [name for name in sorted(layers) if f"nn.{name}" not in covered] == []


# ---- the checker catches wrong rules ----
class Square(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save(a)
        return a * a

    @staticmethod
    def backward(ctx, grad):
        return 2 * grad * ctx.saved[0]


class BrokenSquare(Square):
    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved[0]  # the factor 2 is missing


class BrokenSecondInput(Function):
    """a * b whose gradient for b is wrong: only the second of two inputs is off."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        return grad * b, grad * a * 1.01


def leaf(*shape, seed=0, dtype=np.float64):
    values = np.random.default_rng(seed).uniform(0.5, 1.5, shape).astype(dtype)
    return gn.tensor(values, requires_grad=True)


def test_gradcheck_passes_a_correct_rule():
    result = gradcheck(Square.apply, [leaf(3, 4)], rng=0)
    assert result.ok
    assert result.max_abs_error < 1e-8


def test_gradcheck_catches_a_wrong_rule():
    result = gradcheck(BrokenSquare.apply, [leaf(3, 4)], rng=0)
    assert not result.ok
    assert result.max_rel_error > 0.4  # half the true gradient: relative error 0.5


def test_gradcheck_catches_a_wrong_rule_for_the_second_input():
    assert gradcheck(lambda a, b: Square.apply(a) * b, [leaf(3), leaf(3, seed=1)]).ok
    assert not gradcheck(BrokenSecondInput.apply, [leaf(3), leaf(3, seed=1)]).ok


def test_gradcheck_checks_every_output_of_a_tuple():
    def two_outputs(a):
        return a.exp(), BrokenSquare.apply(a)

    assert gradcheck(lambda a: (a.exp(), Square.apply(a)), [leaf(4)]).ok
    assert not gradcheck(two_outputs, [leaf(4)]).ok


def test_gradcheck_checks_params_of_a_closure():
    weight = leaf(3, seed=2)
    assert gradcheck(lambda x: Square.apply(weight) * x, [leaf(3).detach()], params=[weight]).ok
    broken = gradcheck(lambda x: BrokenSquare.apply(weight) * x, [leaf(3).detach()],
                       params=[weight])
    assert not broken.ok


def test_gradcheck_checks_a_module_in_float64_and_leaves_it_as_it_was():
    model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.Tanh(), gn.nn.BatchNorm1d(4))
    before = {name: value.array.copy() for name, value in model.state_dict().items()}
    x = leaf(5, 3, dtype=np.float32)
    assert gradcheck(model, [x], rng=0).ok
    for name, value in model.state_dict().items():
        assert value.dtype == before[name].dtype, name
        np.testing.assert_array_equal(value.array, before[name], err_msg=name)
    assert all(param.grad is None for param in model.parameters())
    assert x.dtype == np.float32 and x.grad is None


def test_gradcheck_refuses_when_nothing_requires_grad():
    with pytest.raises(ValueError, match="no input or parameter requires grad"):
        gradcheck(lambda a: a * 2, [gn.ones(3, dtype=gn.float64)])


# ---- the command ----
def run_cli(*args):
    path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "glassnet", *args], capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=path), timeout=120,
                          check=False)


def test_cli_gradcheck_only():
    done = run_cli("gradcheck", "--only", "relu")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split()[0] for line in done.stdout.splitlines()[1:-1]]
    assert "ops.relu" in rows and "F.relu" in rows
    assert "nn.ReLU" in rows and all("relu" in name.lower() for name in rows)
    assert done.stdout.splitlines()[-1] == f"gradcheck: {len(rows)} passed, 0 failed"


@pytest.mark.parametrize("args", [["gradcheck", "--bogus"], ["no-such-command"],
                                  ["gradcheck", "--only", "no-such-case"]])
def test_cli_bad_input_exits_2(args):
    done = run_cli(*args)
    assert done.returncode == 2
    assert "error:" in done.stderr
