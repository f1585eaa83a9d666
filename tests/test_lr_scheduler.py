"""The lr schedules added for PyTorch programs against torch.optim.lr_scheduler: the same lrs
(and momenta) epoch by epoch, chained schedulers and hand-set lrs composing as in PyTorch,
state dicts through a checkpoint file, signatures and module path."""

import inspect
import warnings

import numpy as np
import pytest
from test_optim import pair

from glassnet import optim
from glassnet.optim import lr_scheduler
from glassnet.serialize import load, save

torch = pytest.importorskip("torch")


def make_optimizer(module, kind="SGD"):
    gn_params, torch_params = pair(np.float32)
    params = gn_params if module is optim else torch_params
    groups = [{"params": params[:1], "lr": 0.1}, {"params": params[1:], "lr": 0.02}]
    if kind == "Adam":
        return module.Adam(groups)
    return module.SGD(groups, momentum=0.9)


def trace(module, make, steps=30, kind="SGD", metrics=None, hand_set=None):
    """The lrs, momenta and betas of both groups after each epoch."""
    optimizer = make_optimizer(module, kind)
    sched = module.lr_scheduler if module is torch.optim else lr_scheduler
    scheduler = make(sched, optimizer)
    rows = []
    for epoch in range(steps):
        optimizer.step()
        if hand_set is not None and epoch == hand_set:
            optimizer.param_groups[0]["lr"] *= 0.5  # a change from outside carries on
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[epoch])
        groups = optimizer.param_groups
        rows.append([g["lr"] for g in groups] + [g.get("momentum", 0.0) for g in groups]
                    + [g.get("betas", (0.0,))[0] for g in groups])
        assert scheduler.get_last_lr() == [g["lr"] for g in groups]
    return np.array(rows)


SCHEDULES = [
    lambda m, o: m.StepLR(o, 1.0, gamma=0.95),  # the Transformer tutorial's float step_size
    lambda m, o: m.MultiStepLR(o, milestones=[15, 5, 5, 22], gamma=0.5),
    lambda m, o: m.ExponentialLR(o, gamma=0.9),
    lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=4),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.005),
    lambda m, o: m.OneCycleLR(o, max_lr=0.5, total_steps=30),
    lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 0.2], epochs=6, steps_per_epoch=5,
                              anneal_strategy="linear", pct_start=0.25, div_factor=10.0),
    lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=31, three_phase=True,
                              base_momentum=0.8, max_momentum=0.9),
    lambda m, o: m.OneCycleLR(o, max_lr=0.3, total_steps=30, cycle_momentum=False),
]


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("make", SCHEDULES)
def test_schedule_matches_torch(make, kind):
    np.testing.assert_allclose(trace(optim, make, kind=kind),
                               trace(torch.optim, make, kind=kind), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("make", SCHEDULES[:4])
def test_hand_set_lr_carries_on_as_in_torch(make):
    np.testing.assert_allclose(trace(optim, make, hand_set=6),
                               trace(torch.optim, make, hand_set=6), rtol=1e-12)


def test_two_schedulers_on_one_optimizer_compose_as_in_torch():
    def both(module):
        sched = module.lr_scheduler if module is torch.optim else lr_scheduler
        optimizer = make_optimizer(module)
        first = sched.ExponentialLR(optimizer, gamma=0.9)
        second = sched.MultiStepLR(optimizer, milestones=[3, 6], gamma=0.1)
        lrs = []
        for _ in range(10):
            optimizer.step()
            first.step()
            second.step()
            lrs.append(second.get_last_lr())
        return np.array(lrs)

    np.testing.assert_allclose(both(optim), both(torch.optim), rtol=1e-12)


@pytest.mark.filterwarnings("ignore:The epoch parameter")
@pytest.mark.parametrize("make", SCHEDULES[:6])
def test_step_to_an_epoch_uses_the_closed_form(make):
    epochs = [3, 4, 10, 2.5, 7]
    for module in (optim, torch.optim):
        optimizer = make_optimizer(module)
        sched = module.lr_scheduler if module is torch.optim else lr_scheduler
        scheduler = make(sched, optimizer)
        optimizer.step()
        values = []
        for epoch in epochs:
            scheduler.step(epoch)
            values.append(scheduler.get_last_lr())
        if module is optim:
            ours = np.array(values)
    np.testing.assert_allclose(ours, np.array(values), rtol=1e-12)


PLATEAUS = [
    ({}, None),
    ({"mode": "max", "factor": 0.5, "patience": 1, "threshold": 0.1, "threshold_mode": "abs"},
     None),
    ({"patience": 0, "cooldown": 2, "min_lr": [0.05, 0.001], "eps": 1e-3}, None),
    ({"mode": "min", "patience": 2, "threshold_mode": "abs", "min_lr": 0.01}, None),
]


@pytest.mark.parametrize("options,_", PLATEAUS)
def test_reduce_on_plateau_matches_torch(options, _):
    rng = np.random.default_rng(0)
    metrics = list(np.concatenate([np.linspace(2, 1, 8), 1 + 0.05 * rng.standard_normal(22)]))
    metrics[3] = torch.tensor(metrics[3])  # a one-element tensor is taken too, as in PyTorch

    def make(m, o):
        return m.ReduceLROnPlateau(o, **options)

    np.testing.assert_array_equal(trace(optim, make, metrics=metrics),
                                  trace(torch.optim, make, metrics=metrics))


@pytest.mark.parametrize("make", [SCHEDULES[1], SCHEDULES[5], SCHEDULES[8],
                                  lambda m, o: m.ReduceLROnPlateau(o, patience=0, cooldown=1)])
def test_state_dict_through_a_file_resumes(make, tmp_path):
    is_plateau = "ReduceLROnPlateau" in make.__code__.co_names
    metrics = [1.0, 0.9, 0.95, 0.97, 0.8, 0.99, 0.99, 0.7, 0.9, 0.9, 0.9, 0.9]

    def advance(optimizer, scheduler, epochs):
        for epoch in epochs:
            optimizer.step()
            scheduler.step(metrics[epoch]) if is_plateau else scheduler.step()
            yield scheduler.get_last_lr()

    optimizer = make_optimizer(optim)
    scheduler = make(lr_scheduler, optimizer)
    straight = list(advance(optimizer, scheduler, range(12)))
    optimizer = make_optimizer(optim)
    scheduler = make(lr_scheduler, optimizer)
    list(advance(optimizer, scheduler, range(5)))
    save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()},
         tmp_path / "s.npz")
    checkpoint = load(tmp_path / "s.npz")
    optimizer = make_optimizer(optim)
    scheduler = make(lr_scheduler, optimizer)
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    assert list(advance(optimizer, scheduler, range(5, 12))) == straight[5:]


def test_stepping_the_scheduler_first_warns_as_torch():
    optimizer = make_optimizer(optim)
    scheduler = lr_scheduler.StepLR(optimizer, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step"):
        scheduler.step()
    optimizer = make_optimizer(optim)
    scheduler = lr_scheduler.StepLR(optimizer, 2)
    optimizer.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scheduler.step()


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "LambdaLR",
                                  "CosineAnnealingLR", "LinearLR", "SequentialLR",
                                  "ReduceLROnPlateau", "OneCycleLR",
                                  "CosineAnnealingWarmRestarts"])
def test_signature_and_module_are_torchs(name):
    ours, theirs = getattr(lr_scheduler, name), getattr(torch.optim.lr_scheduler, name)
    ours_parameters = inspect.signature(ours).parameters
    theirs_parameters = inspect.signature(theirs).parameters
    assert list(ours_parameters) == list(theirs_parameters)
    for key, parameter in theirs_parameters.items():
        assert ours_parameters[key].default == parameter.default, key
    assert ours.__module__ == lr_scheduler.__name__  # d2l recognises built-in schedules so


@pytest.mark.parametrize("make,error,words", [
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="lowest"), ValueError, "mode 'lowest'"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs"),
    (lambda o: lr_scheduler.OneCycleLR(o, 0.1), ValueError, "total_steps OR"),
    (lambda o: lr_scheduler.OneCycleLR(o, 0.1, 10, pct_start=1), ValueError, "pct_start"),
    (lambda o: lr_scheduler.OneCycleLR(o, 0.1, 10, anneal_strategy="cosine"), ValueError,
     "anneal_strategy"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "T_0"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, 2, T_mult=0), ValueError, "T_mult"),
    (lambda o: lr_scheduler.StepLR(o, step_size=0), ValueError, "step_size"),
])
def test_bad_arguments_are_named(make, error, words):
    with pytest.raises(error, match=words):
        make(make_optimizer(optim))


def test_one_cycle_past_its_end_and_without_momentum_support():
    optimizer = make_optimizer(optim)
    scheduler = lr_scheduler.OneCycleLR(optimizer, 0.1, total_steps=2)
    optimizer.step()
    scheduler.step()
    scheduler.step()
    with pytest.raises(ValueError, match="tried to step 3 times"):
        scheduler.step()
    adagrad = optim.Adagrad(pair(np.float32)[0])
    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.OneCycleLR(adagrad, 0.1, total_steps=5)
