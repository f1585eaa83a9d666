"""Optimizers, lr schedules and gradient clipping against PyTorch, step for step."""

import numpy as np
import pytest

import glassnet as gn
from glassnet import optim
from glassnet.nn.module import Parameter
from glassnet.nn.utils import clip_grad_norm_, clip_grad_value_
from glassnet.optim import lr_scheduler
from glassnet.serialize import load, save

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (5,), (2, 3, 2)]
STEPS = 20
TOLERANCE = {np.float32: {"rtol": 1e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-10, "atol": 1e-12}}


def initial_arrays(dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]


def gradient(array, step):
    """A gradient that depends on the parameter, so a wrong step shows up in later ones."""
    noise = np.random.default_rng(100 + step).standard_normal(array.shape)
    return (0.5 * array + np.sin(3.0 * array) + 0.3 * noise).astype(array.dtype)


def set_grads(gn_params, torch_params, step, skip=()):
    for i, (mine, theirs) in enumerate(zip(gn_params, torch_params)):
        if i in skip:
            mine.grad, theirs.grad = None, None
            continue
        mine.grad = gn.tensor(gradient(mine.array, step))
        theirs.grad = torch.from_numpy(gradient(theirs.detach().numpy(), step))


def pair(dtype, seed=0):
    arrays = initial_arrays(dtype, seed)
    gn_params = [Parameter(a.copy()) for a in arrays]
    torch_params = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in arrays]
    return gn_params, torch_params


def assert_close(gn_params, torch_params, dtype, step):
    for mine, theirs in zip(gn_params, torch_params):
        assert mine.dtype == dtype
        np.testing.assert_allclose(
            mine.array, theirs.detach().numpy(), **TOLERANCE[dtype], err_msg=f"step {step}"
        )


CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.2, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.95), "eps": 1e-6, "amsgrad": True, "maximize": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.3}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.9}),
    (
        "RMSprop",
        {"lr": 0.005, "momentum": 0.5, "centered": True, "weight_decay": 0.05, "maximize": True},
    ),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,options", CASES)
def test_matches_torch_step_for_step(name, options, dtype):
    gn_params, torch_params = pair(dtype)
    mine = getattr(optim, name)(gn_params, **options)
    theirs = getattr(torch.optim, name)(torch_params, **options)
    for step in range(STEPS):
        # the last parameter has no gradient on odd steps: it must be skipped, not zeroed
        set_grads(gn_params, torch_params, step, skip=(2,) if step % 2 else ())
        mine.step()
        theirs.step()
        assert_close(gn_params, torch_params, dtype, step)
    for state in mine.state.values():
        for value in state.values():
            if isinstance(value, gn.Tensor):
                assert value.dtype == dtype


def test_param_groups_and_add_param_group_match_torch():
    gn_params, torch_params = pair(np.float64)

    def groups(params):
        return [{"params": params[:1], "lr": 0.1}, {"params": params[1:2], "momentum": 0.5}]

    mine = optim.SGD(groups(gn_params), lr=0.01, momentum=0.9)
    theirs = torch.optim.SGD(groups(torch_params), lr=0.01, momentum=0.9)
    assert [g["lr"] for g in mine.param_groups] == [0.1, 0.01]
    assert [g["momentum"] for g in mine.param_groups] == [0.9, 0.5]
    for step in range(STEPS):
        if step == 5:  # the last parameter joins late, with its own lr
            mine.add_param_group({"params": gn_params[2:], "lr": 0.03})
            theirs.add_param_group({"params": torch_params[2:], "lr": 0.03})
        set_grads(gn_params, torch_params, step)
        mine.step()
        theirs.step()
    assert_close(gn_params, torch_params, np.float64, STEPS)


def run(optimizer, params, steps, start=0):
    for step in range(start, start + steps):
        for param in params:
            param.grad = gn.tensor(gradient(param.array, step))
        optimizer.step()


@pytest.mark.parametrize(
    "name,options",
    [
        ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
        ("Adam", {"lr": 0.05, "amsgrad": True}),
        ("AdamW", {"lr": 0.05}),
        ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ],
)
def test_state_dict_round_trip_through_a_file_continues_exactly(name, options, tmp_path):
    arrays = initial_arrays(np.float32)
    straight = [Parameter(a.copy()) for a in arrays]
    run(getattr(optim, name)(straight, **options), straight, 2 * STEPS)

    first = [Parameter(a.copy()) for a in arrays]
    optimizer = getattr(optim, name)(first, **options)
    run(optimizer, first, STEPS)
    save({"params": [p.array for p in first], "opt": optimizer.state_dict()}, tmp_path / "ckpt.npz")
    checkpoint = load(tmp_path / "ckpt.npz")
    resumed = [Parameter(a) for a in checkpoint["params"]]
    fresh = getattr(optim, name)(resumed, lr=123.0)  # the checkpoint's lr must win
    fresh.load_state_dict(checkpoint["opt"])
    assert fresh.param_groups[0]["lr"] == options["lr"]
    run(fresh, resumed, STEPS, start=STEPS)
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a.array, b.array)


def test_state_dict_layout_and_snapshot():
    gn_params, _ = pair(np.float32)
    optimizer = optim.Adam([{"params": gn_params[:1]}, {"params": gn_params[1:], "lr": 0.1}])
    run(optimizer, gn_params, 1)
    state = optimizer.state_dict()
    assert [g["params"] for g in state["param_groups"]] == [[0], [1, 2]]
    assert state["param_groups"][1]["lr"] == 0.1
    assert sorted(state["state"]) == [0, 1, 2]
    assert set(state["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    before = state["state"][0]["exp_avg"].array.copy()
    run(optimizer, gn_params, 1, start=1)
    np.testing.assert_array_equal(state["state"][0]["exp_avg"].array, before)


def convert_state(state_dict, convert):
    """An optimizer state dict with every state value passed through convert."""
    state = {k: {n: convert(v) for n, v in s.items()} for k, s in state_dict["state"].items()}
    return {"state": state, "param_groups": state_dict["param_groups"]}


def to_torch(value):
    return torch.from_numpy(value.array.copy()) if isinstance(value, gn.Tensor) else value


@pytest.mark.parametrize("name,options", [("Adam", {"lr": 0.05}), ("SGD", {"momentum": 0.9})])
def test_state_dict_moves_between_glassnet_and_torch(name, options):
    gn_params, torch_params = pair(np.float64)
    mine = getattr(optim, name)(gn_params, **options)
    run(mine, gn_params, 5)
    for theirs_param, param in zip(torch_params, gn_params):
        theirs_param.data.copy_(torch.from_numpy(param.array))
    theirs = getattr(torch.optim, name)(torch_params, **options)
    theirs.load_state_dict(convert_state(mine.state_dict(), to_torch))
    for step in range(5, 10):
        set_grads(gn_params, torch_params, step)
        mine.step()
        theirs.step()
    assert_close(gn_params, torch_params, np.float64, 10)

    # and back: torch's state dict (step as a tensor) into a fresh glassnet optimizer
    back = [Parameter(p.detach().numpy().copy()) for p in torch_params]
    again = getattr(optim, name)(back, **options)
    again.load_state_dict(convert_state(theirs.state_dict(), lambda v: gn.tensor(v.numpy())))
    set_grads(back, torch_params, 10)
    again.step()
    theirs.step()
    assert_close(back, torch_params, np.float64, 11)


def test_skips_params_without_grad_and_keeps_float32():
    gn_params, _ = pair(np.float32)
    optimizer = optim.RMSprop(gn_params, momentum=0.9)
    before = gn_params[1].array.copy()
    gn_params[0].grad = gn.ones(3, 4)
    optimizer.step()
    np.testing.assert_array_equal(gn_params[1].array, before)
    assert gn_params[1] not in optimizer.state
    assert gn_params[0].dtype == np.float32


def test_zero_grad():
    gn_params, _ = pair(np.float32)
    optimizer = optim.SGD(gn_params, lr=0.1)
    for p in gn_params:
        p.grad = gn.ones(*p.shape)
    optimizer.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.array.any() for p in gn_params)
    optimizer.zero_grad()
    assert all(p.grad is None for p in gn_params)


def test_step_with_closure_returns_the_loss():
    weight = Parameter(np.array([3.0], dtype=np.float32))
    optimizer = optim.SGD([weight], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (weight * weight).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert loss.item() == 9.0
    assert weight.array[0] == pytest.approx(1.5)


@pytest.mark.parametrize(
    "make,words",
    [
        (lambda p: optim.SGD([]), ["empty parameter list"]),
        (lambda p: optim.SGD(p, lr=-0.1), ["lr=-0.1", "[0.0, inf]"]),
        (lambda p: optim.SGD(p, lr="fast"), ["lr='fast'", "number"]),
        (lambda p: optim.SGD(p, momentum=0.0, nesterov=True), ["nesterov", "momentum"]),
        (lambda p: optim.Adam(p, betas=(0.9, 1.0)), ["betas[1]=1.0", "[0.0, 1.0)"]),
        (lambda p: optim.Adam(p, eps=-1e-8), ["eps=-1e-08"]),
        (lambda p: optim.AdamW([{"params": p, "weight_decay": -1}]), ["weight_decay=-1"]),
        (lambda p: optim.RMSprop(p, alpha=-0.5), ["RMSprop", "alpha=-0.5"]),
        (lambda p: optim.SGD([{"params": p}, {"params": p[:1]}]), ["more than one"]),
        (lambda p: optim.SGD([p[0], p[0]]), ["twice"]),
        (lambda p: optim.SGD([p[0] * 2]), ["non-leaf"]),
        (
            lambda p: optim.SGD(p, lr=0.1).load_state_dict({"state": {}, "param_groups": []}),
            ["has 0 parameter groups", "this optimizer has 1"],
        ),
    ],
)
def test_bad_input_gives_a_clear_error(make, words):
    gn_params, _ = pair(np.float32)
    with pytest.raises(ValueError) as error:
        make(gn_params)
    for word in words:
        assert word in str(error.value)
    with pytest.raises(TypeError, match="can only optimize Tensors, got ndarray"):
        optim.SGD([np.zeros(3)])


def test_load_state_dict_rejects_a_mismatched_layout():
    gn_params, _ = pair(np.float32)
    state = optim.SGD(gn_params[:2]).state_dict()
    with pytest.raises(ValueError, match="parameter group 0 has 2"):
        optim.SGD(gn_params).load_state_dict(state)


# ---- learning-rate schedules ----


def two_groups(module):
    gn_params, torch_params = pair(np.float32)
    params = gn_params if module is optim else torch_params
    return module.SGD([{"params": params[:1], "lr": 0.1}, {"params": params[1:], "lr": 0.02}])


SCHEDULES = [
    lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    lambda m, o: m.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    lambda m, o: m.LambdaLR(o, lambda epoch: 0.9**epoch),
    lambda m, o: m.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.5 * (e % 4)]),
    lambda m, o: m.LinearLR(o, start_factor=0.25, total_iters=4),
    lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=7),
    lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=3), m.CosineAnnealingLR(o, T_max=8)], [3]
    ),
    lambda m, o: m.SequentialLR(
        o,
        [m.LinearLR(o, 0.5, total_iters=2), m.StepLR(o, 2), m.LambdaLR(o, lambda e: 1 + e)],
        [2, 6],
    ),
]


def lr_sequence(module, make, steps=25):
    optimizer = two_groups(optim if module is lr_scheduler else torch.optim)
    scheduler = make(module, optimizer)
    lrs = [scheduler.get_last_lr()]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        assert lrs[-1] == [group["lr"] for group in optimizer.param_groups]
    return np.array(lrs)


@pytest.mark.parametrize("make", SCHEDULES)
def test_schedule_matches_torch(make):
    mine = lr_sequence(lr_scheduler, make)
    theirs = lr_sequence(torch.optim.lr_scheduler, make)
    np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("make", [SCHEDULES[1], SCHEDULES[6]])
def test_scheduler_state_dict_resumes(make, tmp_path):
    straight = lr_sequence(lr_scheduler, make, steps=12)
    optimizer = two_groups(optim)
    scheduler = make(lr_scheduler, optimizer)
    for _ in range(5):
        optimizer.step()
        scheduler.step()
    save(
        {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()},
        tmp_path / "s.npz",
    )
    checkpoint = load(tmp_path / "s.npz")
    optimizer = two_groups(optim)
    scheduler = make(lr_scheduler, optimizer)
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    assert scheduler.get_last_lr() == list(straight[5])
    resumed = [scheduler.get_last_lr()]
    for _ in range(7):
        optimizer.step()
        scheduler.step()
        resumed.append(scheduler.get_last_lr())
    np.testing.assert_allclose(np.array(resumed), straight[5:], rtol=1e-14)


def test_scheduler_bad_input():
    optimizer = two_groups(optim)
    with pytest.raises(ValueError, match="StepLR: step_size"):
        lr_scheduler.StepLR(optimizer, step_size=0)
    with pytest.raises(ValueError, match="start_factor"):
        lr_scheduler.LinearLR(optimizer, start_factor=0.0)
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        lr_scheduler.LambdaLR(optimizer, [lambda e: 1.0])
    with pytest.raises(TypeError, match="expected an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=2)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(two_groups(optim), step_size=2, last_epoch=4)


# ---- gradient clipping ----


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 1e4])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    gn_params, torch_params = pair(np.float32)
    set_grads(gn_params, torch_params, 0, skip=(1,))
    total = clip_grad_norm_(gn_params, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(torch_params, max_norm, norm_type)
    assert isinstance(total, gn.Tensor) and total.dtype == np.float32
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-5)
    for mine, theirs in zip(gn_params, torch_params):
        if theirs.grad is None:
            assert mine.grad is None
        else:
            np.testing.assert_allclose(mine.grad.array, theirs.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_edge_cases():
    weight = Parameter(np.ones(4, dtype=np.float32))
    assert clip_grad_norm_([weight], 1.0).item() == 0.0  # no gradients at all
    weight.grad = gn.tensor([3.0, 4.0, 0.0, 0.0])
    assert clip_grad_norm_(weight, 1.0).item() == pytest.approx(5.0)  # a single Tensor
    np.testing.assert_allclose(weight.grad.array, [0.6, 0.8, 0, 0], rtol=1e-5)
    weight.grad = gn.tensor([np.nan, 1.0, 0.0, 0.0])
    with pytest.raises(RuntimeError, match="non-finite|nan"):
        clip_grad_norm_([weight], 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch():
    gn_params, torch_params = pair(np.float32)
    set_grads(gn_params, torch_params, 3)
    clip_grad_value_(gn_params, 0.4)
    torch.nn.utils.clip_grad_value_(torch_params, 0.4)
    for mine, theirs in zip(gn_params, torch_params):
        np.testing.assert_array_equal(mine.grad.array, theirs.grad.numpy())
