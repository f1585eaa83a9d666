"""The training loop: counting steps and epochs, callbacks, evaluate, and exact resume from a
checkpoint (mid-epoch, after Ctrl-C, after a kill), in process on a small fake dataset and
end to end through `glassnet train mlp` subprocesses on digits16."""

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
from glassnet import data, models, optim
from glassnet import train as training
from glassnet.models import MLP, MLPConfig

ROOT = Path(__file__).resolve().parent.parent
SIZE, FEATURES, CLASSES, BATCH = 100, 8, 4, 16  # 7 batches an epoch, the last one of 4


def fake_dataset():
    generator = np.random.default_rng(123)
    x = generator.normal(size=(SIZE, FEATURES)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + 2 * (x[:, 1] > 0).astype(np.int64)
    return data.TensorDataset(x, y)


def setup(loader_rng=None, seed=0):
    """A fresh model, optimizer, scheduler and loader, as a new process would build them.
    Dropout draws from the global generator, so resume must restore it too."""
    gn.manual_seed(seed)
    model = MLP(MLPConfig(in_features=FEATURES, hidden=(16, 16), out_features=CLASSES,
                          dropout=0.2))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.9)
    loader = data.DataLoader(fake_dataset(), batch_size=BATCH, shuffle=True, rng=loader_rng)
    return model, optimizer, scheduler, loader


def run(steps, loader_rng=None, callbacks=(), **options):
    model, optimizer, scheduler, loader = setup(loader_rng)
    state = training.fit(model, loader, optimizer, loss_fn=F.cross_entropy, steps=steps,
                         scheduler=scheduler, metrics={"accuracy": training.accuracy},
                         callbacks=callbacks, config={"lr": 0.01, "hidden": (16, 16)}, **options)
    return model, state


def weights(model):
    return {name: tensor.array.copy() for name, tensor in model.state_dict().items()}


def assert_same_run(model_a, state_a, model_b, state_b):
    for name, value in weights(model_a).items():
        np.testing.assert_array_equal(weights(model_b)[name], value, err_msg=name)
    assert state_b.history == state_a.history
    assert (state_b.step, state_b.epoch, state_b.batch_in_epoch) == (
        state_a.step, state_a.epoch, state_a.batch_in_epoch)


class At:
    """A callback that runs `action(state)` once, at the end of step `step`."""

    def __init__(self, step, action):
        self.step, self.action = step, action

    def on_step_end(self, state):
        if state.step == self.step:
            self.action(state)


def test_steps_and_epochs_are_counted():
    _, state = run(steps=10)
    assert (state.step, state.epoch, state.batch_in_epoch) == (10, 1, 3)
    assert [record["step"] for record in state.history] == list(range(1, 11))
    assert not state.interrupted
    model, optimizer, _, loader = setup()
    state = training.fit(model, loader, optimizer, loss_fn=F.cross_entropy, epochs=2)
    assert (state.step, state.epoch, state.batch_in_epoch) == (14, 2, 0)
    state = training.fit(model, loader, optimizer, loss_fn=F.cross_entropy, epochs=5, steps=9)
    assert state.step == 9  # the first limit reached ends it


def test_fit_learns_and_evaluate_weights_by_batch_size():
    model, state = run(steps=140)
    assert state.history[-1]["loss"] < state.history[0]["loss"]
    loader = data.DataLoader(fake_dataset(), batch_size=30)  # 30, 30, 30, 10
    model.train()
    result = training.evaluate(model, loader, {"accuracy": training.accuracy})
    assert model.training  # evaluate restores the mode it found
    x, y = fake_dataset().tensors
    model.eval()
    with gn.no_grad():
        expected = (model(x).array.argmax(-1) == y.array).mean()
    assert result["accuracy"] == pytest.approx(expected, abs=1e-12)
    assert result["accuracy"] > 0.8


@pytest.mark.parametrize("loader_rng", [None, 7], ids=["global-generator", "own-generator"])
def test_ctrl_c_mid_epoch_then_resume_gives_the_same_weights(tmp_path, loader_rng):
    path = tmp_path / "checkpoint.npz"
    model_a, state_a = run(steps=25, loader_rng=loader_rng)
    stop = At(10, lambda state: signal.raise_signal(signal.SIGINT))  # 10 = 7 + 3: mid-epoch
    _, state = run(steps=25, loader_rng=loader_rng, callbacks=[stop], checkpoint=path,
                   checkpoint_every=100)
    assert state.interrupted and state.step == 10
    assert gn.load(path)["step"] == 10 and gn.load(path)["batch_in_epoch"] == 3
    model_b, state_b = run(steps=25, loader_rng=loader_rng, checkpoint=path, resume=True)
    assert state_b.resumed_from == 10
    assert_same_run(model_a, state_a, model_b, state_b)


def test_resume_from_a_periodic_checkpoint_after_a_kill(tmp_path):
    """A kill leaves the last periodic checkpoint: keep a copy of it, as a kill would."""
    path, kept = tmp_path / "checkpoint.npz", tmp_path / "killed.npz"
    model_a, state_a = run(steps=30)
    run(steps=30, callbacks=[At(10, lambda state: shutil.copy(path, kept))], checkpoint=path,
        checkpoint_every=4)
    assert gn.load(kept)["step"] == 8
    model_b, state_b = run(steps=30, checkpoint=kept, resume=True)
    assert state_b.resumed_from == 8
    assert_same_run(model_a, state_a, model_b, state_b)


def test_a_second_ctrl_c_inside_a_step_still_resumes_exactly(tmp_path):
    """KeyboardInterrupt raised during a forward pass (after dropout drew random numbers):
    the final checkpoint describes the end of the last completed step."""
    path = tmp_path / "checkpoint.npz"
    model_a, state_a = run(steps=20)
    calls = []

    def loss_fn(output, targets):
        calls.append(1)
        if len(calls) == 13:
            raise KeyboardInterrupt
        return F.cross_entropy(output, targets)

    model, optimizer, scheduler, loader = setup()
    state = training.fit(model, loader, optimizer, loss_fn=loss_fn, steps=20, scheduler=scheduler,
                         metrics={"accuracy": training.accuracy}, checkpoint=path,
                         config={"lr": 0.01, "hidden": (16, 16)})
    assert state.interrupted and state.step == 12 and gn.load(path)["step"] == 12
    model_b, state_b = run(steps=20, checkpoint=path, resume=True)
    assert_same_run(model_a, state_a, model_b, state_b)


def test_an_interrupt_inside_the_update_keeps_the_last_checkpoint(tmp_path):
    path = tmp_path / "checkpoint.npz"
    model, optimizer, _, loader = setup()
    real_step = optimizer.step

    def step_then_interrupt():
        real_step()
        if len(state_steps) == 6:
            raise KeyboardInterrupt  # weights updated, counters not: not a checkpoint to keep
        state_steps.append(1)

    state_steps = []
    optimizer.step = step_then_interrupt
    state = training.fit(model, loader, optimizer, loss_fn=F.cross_entropy, steps=20,
                         checkpoint=path, checkpoint_every=4)
    assert state.interrupted and not state.at_step_boundary
    assert gn.load(path)["step"] == 4  # the periodic one, intact


def test_resume_with_another_config_names_what_changed(tmp_path):
    path = tmp_path / "checkpoint.npz"
    run(steps=3, checkpoint=path)
    model, optimizer, _, loader = setup()
    with pytest.raises(ValueError, match=r"lr: 0\.01 -> 0\.5"):
        training.fit(model, loader, optimizer, loss_fn=F.cross_entropy, steps=5,
                     checkpoint=path, resume=True, config={"lr": 0.5, "hidden": (16, 16)})


def test_resume_with_no_checkpoint_yet_starts_fresh_and_finished_runs_stay_done(tmp_path):
    path = tmp_path / "sub" / "checkpoint.npz"
    model_a, state_a = run(steps=9)
    model_b, state_b = run(steps=9, checkpoint=path, resume=True)
    assert state_b.resumed_from is None
    assert_same_run(model_a, state_a, model_b, state_b)
    model_c, state_c = run(steps=9, checkpoint=path, resume=True)
    assert state_c.resumed_from == 9
    assert_same_run(model_a, state_a, model_c, state_c)


def test_bad_arguments_are_errors():
    model, optimizer, _, loader = setup()
    with pytest.raises(ValueError, match="steps=N or epochs=N"):
        training.fit(model, loader, optimizer, loss_fn=F.cross_entropy)
    with pytest.raises(ValueError, match="resume=True needs checkpoint"):
        training.fit(model, loader, optimizer, loss_fn=F.cross_entropy, steps=1, resume=True)
    empty = data.DataLoader(fake_dataset(), batch_size=SIZE + 1, drop_last=True)
    with pytest.raises(ValueError, match="no batches"):
        training.fit(model, empty, optimizer, loss_fn=F.cross_entropy, steps=1)


def test_scheduler_steps_per_epoch_or_per_step():
    model, optimizer, scheduler, loader = setup()
    training.fit(model, loader, optimizer, loss_fn=F.cross_entropy, epochs=2, scheduler=scheduler)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.01 * 0.9**2)
    model, optimizer, scheduler, loader = setup()
    training.fit(model, loader, optimizer, loss_fn=F.cross_entropy, steps=3, scheduler=scheduler,
                 scheduler_interval="step")
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.01 * 0.9**3)


def test_callbacks_see_every_event_and_can_stop():
    events = []

    class Recorder:
        def on_fit_start(self, state):
            events.append("start")

        def on_step_end(self, state):
            events.append(state.step)
            state.stop = state.step == 9

        def on_epoch_end(self, state):
            events.append(f"epoch {state.epoch}")

        def on_fit_end(self, state):
            events.append("end")

    _, state = run(steps=50, callbacks=[Recorder(), training.History(every=3)])
    assert events == ["start", *range(1, 8), "epoch 1", 8, 9, "end"]
    assert [record["step"] for record in state.history] == [3, 6, 9]
    assert not state.interrupted


def test_progress_bar_shows_the_live_loss_on_a_terminal_and_is_quiet_otherwise(capsys):
    from rich.console import Console

    screen = io.StringIO()
    bar = training.ProgressBar("fake", console=Console(file=screen, force_terminal=True,
                                                        width=120))
    run(steps=5, callbacks=[bar])
    assert "fake" in screen.getvalue() and "loss" in screen.getvalue()
    assert bar.progress is None  # stopped
    stop = At(2, lambda state: signal.raise_signal(signal.SIGINT))
    screen = io.StringIO()
    bar = training.ProgressBar("fake", console=Console(file=screen, force_terminal=True,
                                                        width=120))
    run(steps=5, callbacks=[bar, stop])
    assert "interrupted" in screen.getvalue() and bar.progress is None
    run(steps=5, callbacks=[training.ProgressBar()])  # pytest's stdout is not a terminal
    assert capsys.readouterr().out == ""


# ---- the CLI ----
def test_cli_unknown_model_or_dataset_lists_the_valid_ones(capsys):
    from glassnet import cli

    for argv, named in ((["train", "resnet-1000"], "unknown model 'resnet-1000'; valid models: "),
                        (["train", "mlp", "--data", "cifar"], "valid: digits16"),
                        (["train", "mlp", "--hidden", "12,x"], "128,64")):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert named in err
        if argv[1] != "mlp":
            assert "mlp" in err.split("valid models: ")[1].split(", ")


def _digits_cached():
    home = Path(os.environ.get("GLASSNET_DATA", Path.home() / ".cache" / "glassnet"))
    return (home / "digits16.npz").exists()


def _train(out, *extra):
    command = [sys.executable, "-m", "glassnet", "train", "mlp", "--data", "digits16",
               "--steps", "400", "--checkpoint-every", "40", "--hidden", "32",
               "--out", str(out), *extra]
    # one BLAS thread: steady on a busy machine, and the same arithmetic in every run
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for(condition, process, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, "timed out waiting for a checkpoint"
        time.sleep(0.005)


@pytest.mark.skipif(not _digits_cached(), reason="digits16 is not cached (glassnet data fetch)")
def test_cli_killed_and_interrupted_runs_resume_to_the_same_result(tmp_path):
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    checkpoint = broken / "checkpoint.npz"
    uninterrupted = _train(whole)
    out, err = uninterrupted.communicate(timeout=120)
    assert uninterrupted.returncode == 0, err
    assert "test accuracy" in out

    killed = _train(broken)  # SIGKILL once the first checkpoint is on disk
    _wait_for(checkpoint.exists, killed)
    killed.kill()
    killed.communicate(timeout=60)
    first = gn.load(checkpoint)["step"]
    assert 40 <= first < 400 and not (broken / "metrics.json").exists()

    interrupted = _train(broken, "--resume")  # Ctrl-C once it has saved another checkpoint
    saved = checkpoint.stat().st_mtime_ns
    _wait_for(lambda: checkpoint.stat().st_mtime_ns != saved, interrupted)
    interrupted.send_signal(signal.SIGINT)
    _, err = interrupted.communicate(timeout=60)
    assert interrupted.returncode == 130, err
    assert "interrupted at step" in err and "--resume" in err
    second = gn.load(checkpoint)["step"]
    assert first < second < 400

    finished = _train(broken, "--resume")
    out, err = finished.communicate(timeout=120)
    assert finished.returncode == 0, err
    a = json.loads((whole / "metrics.json").read_text())
    b = json.loads((broken / "metrics.json").read_text())
    assert b["resumed_from"] == second
    assert b["metrics"] == a["metrics"] and b["history"] == a["history"]
    assert b["metrics"]["test_accuracy"] > 0.8
    model_a, model_b = gn.load(whole / "checkpoint.npz"), gn.load(checkpoint)
    for name, value in model_a["model"].items():
        np.testing.assert_array_equal(model_b["model"][name].array, value.array, err_msg=name)


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_every_model_takes_a_config_or_overrides_never_both(name):
    """Model(config) or Model(**overrides); both at once is a TypeError that names the model,
    not an override silently dropped."""
    config_class, model_class = models.MODELS[name]
    field = next(iter(config_class.__dataclass_fields__))
    with pytest.raises(TypeError, match="pass either a config or keyword overrides"):
        model_class(config_class(), **{field: getattr(config_class(), field)})
