"""The optimizers added for PyTorch programs (Adadelta, Adagrad, NAdam, LBFGS) against PyTorch,
step for step; signatures, param-group keys and state dicts as PyTorch's for every optimizer."""

import inspect

import numpy as np
import pytest
from test_optim import STEPS, assert_close, pair, set_grads

import glassnet as gn
from glassnet import optim
from glassnet.nn.module import Parameter

torch = pytest.importorskip("torch")

CASES = [
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.1}),
    ("Adadelta", {"weight_decay": 0.05, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1,
                 "initial_accumulator_value": 0.3}),
    ("Adagrad", {"lr": 0.05, "eps": 1e-6, "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "betas": (0.8, 0.95), "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True,
               "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.01, "maximize": True, "eps": 1e-6}),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,options", CASES)
def test_matches_torch_step_for_step(name, options, dtype):
    gn_params, torch_params = pair(dtype)
    mine = getattr(optim, name)(gn_params, **options)
    theirs = getattr(torch.optim, name)(torch_params, **options)
    for step in range(STEPS):
        set_grads(gn_params, torch_params, step, skip=(2,) if step % 2 else ())
        mine.step()
        theirs.step()
        assert_close(gn_params, torch_params, dtype, step)


@pytest.mark.parametrize("name,options", CASES[::3])
def test_state_dict_moves_to_torch_and_back(name, options):
    """Ten steps here, the state dict into PyTorch, ten steps side by side; then PyTorch's
    state dict into a fresh glassnet optimizer, which continues as PyTorch does."""
    gn_params, torch_params = pair(np.float64)
    mine = getattr(optim, name)(gn_params, **options)
    for step in range(10):
        set_grads(gn_params, torch_params, step)
        mine.step()
    for theirs_param, param in zip(torch_params, gn_params):
        theirs_param.data.copy_(torch.from_numpy(param.detach().numpy()))
    theirs = getattr(torch.optim, name)(torch_params, **options)
    saved = mine.state_dict()
    assert [set(g) for g in saved["param_groups"]] == [set(g) for g in
                                                       theirs.state_dict()["param_groups"]]
    theirs.load_state_dict({"param_groups": saved["param_groups"], "state": {
        k: {n: torch.tensor(v.numpy()) if isinstance(v, gn.Tensor) else torch.tensor(float(v))
            for n, v in s.items()} for k, s in saved["state"].items()}})
    for step in range(10, 15):
        set_grads(gn_params, torch_params, step)
        mine.step()
        theirs.step()
    assert_close(gn_params, torch_params, np.float64, 15)
    back = [Parameter(p.detach().numpy().copy()) for p in torch_params]
    again = getattr(optim, name)(back)
    again.load_state_dict({"param_groups": theirs.state_dict()["param_groups"], "state": {
        k: {n: gn.tensor(v.numpy()) for n, v in s.items()}
        for k, s in theirs.state_dict()["state"].items()}})
    set_grads(back, torch_params, 15)
    again.step()
    theirs.step()
    assert_close(back, torch_params, np.float64, 16)


def _lbfgs_problem(lib, params):
    """A small non-quadratic least-squares fit, the time-sequence example's kind of use."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((20, 3)))
    y = lib.tensor(np.sin(rng.standard_normal(20)))

    def closure():
        optimizer.zero_grad()
        prediction = (x @ params[0]).tanh() * params[1]
        loss = ((prediction - y) ** 2).mean() + (params[0] ** 4).sum() * 0.01
        loss.backward()
        return loss

    optimizer = lib.optim.LBFGS(params, lr=0.8, history_size=4, max_iter=7)
    return optimizer, closure


def test_lbfgs_matches_torch():
    start = [np.array([0.3, -0.2, 0.5]), np.array(1.5)]
    mine = [Parameter(a.copy()) for a in start]
    theirs = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in start]
    gn_optimizer, gn_closure = _lbfgs_problem(gn, mine)
    torch_optimizer, torch_closure = _lbfgs_problem(torch, theirs)
    for _ in range(4):
        loss = gn_optimizer.step(gn_closure)
        expected = torch_optimizer.step(torch_closure)
        assert loss.item() == pytest.approx(expected.item(), rel=1e-9)
        assert_close(mine, theirs, np.float64, 0)
    state, reference = gn_optimizer.state[mine[0]], torch_optimizer.state[theirs[0]]
    assert (state["func_evals"], state["n_iter"]) == (reference["func_evals"],
                                                      reference["n_iter"])
    with pytest.raises(NotImplementedError, match="strong_wolfe"):
        optim.LBFGS(mine, line_search_fn="strong_wolfe")
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": mine[:1]}, {"params": mine[1:]}])
    with pytest.raises(RuntimeError, match="closure"):
        gn_optimizer.step(None)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adadelta", "Adagrad",
                                  "NAdam", "LBFGS"])
def test_signature_and_param_group_keys_are_torchs(name):
    ours, theirs = getattr(optim, name), getattr(torch.optim, name)
    ours_parameters = inspect.signature(ours).parameters
    theirs_parameters = inspect.signature(theirs).parameters
    assert list(ours_parameters) == list(theirs_parameters)
    for key, parameter in theirs_parameters.items():
        assert ours_parameters[key].default == parameter.default, key
        assert ours_parameters[key].kind == parameter.kind, key
    gn_params, torch_params = pair(np.float32)
    assert set(ours(gn_params).param_groups[0]) == set(theirs(torch_params).param_groups[0])


def test_zero_grad_set_to_none_and_add_param_group():
    gn_params, torch_params = pair(np.float32)
    mine = optim.NAdam(gn_params[:2], lr=0.01)
    theirs = torch.optim.NAdam(torch_params[:2], lr=0.01)
    for step in range(6):
        if step == 2:
            mine.add_param_group({"params": [gn_params[2]], "lr": 0.05, "betas": (0.5, 0.9)})
            theirs.add_param_group({"params": [torch_params[2]], "lr": 0.05, "betas": (0.5, 0.9)})
        set_grads(gn_params, torch_params, step)
        mine.step()
        theirs.step()
        mine.zero_grad(set_to_none=True)
        assert all(p.grad is None for g in mine.param_groups for p in g["params"])
    assert_close(gn_params, torch_params, np.float32, 6)
    with pytest.raises(NotImplementedError, match="differentiable"):
        optim.Adagrad(gn_params, differentiable=True)


@pytest.mark.parametrize("make,words", [
    (lambda p: optim.Adadelta(p, rho=1.5), "rho=1.5"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "lr_decay=-1"),
    (lambda p: optim.NAdam(p, betas=(0.9, 1.0)), "betas[1]=1.0"),
    (lambda p: optim.NAdam(p, momentum_decay=-0.1), "momentum_decay=-0.1"),
    (lambda p: optim.LBFGS(p, lr=-1), "lr=-1"),
])
def test_bad_hyperparameters_are_named(make, words):
    gn_params, _ = pair(np.float32)
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")):
        make(gn_params)
