"""The training loop: `fit` takes optimizer steps on batches from a loader and reports through
callbacks; `evaluate` measures a model on a loader. Checkpoints are atomic and resume exactly.

One step is stochastic gradient descent's (Robbins & Monro 1951; with backpropagation,
Rumelhart, Hinton & Williams 1986): zero the gradients, forward, loss, backward, update.

Callbacks are plain objects with any of ``on_fit_start``, ``on_step_start``, ``on_step_end``,
``on_epoch_end`` and ``on_fit_end``, each called with the TrainState. A callback may set
``state.stop = True`` to end training after the current step. Built in: ProgressBar, History
(added when none is given), Checkpoint (added by ``checkpoint=PATH``); glassnet.trace.Trace
subscribes the same way.

Exact resume. A checkpoint describes the end of a completed step: weights, optimizer and
scheduler state, the step, the epoch and how many of its batches are done, the global
generator's state, the loader's generator state then and when this epoch's order was drawn, the
config and the history. Resuming inside an epoch rewinds the loader's generator to the epoch's
start, draws the same order, skips the batches already done, then restores both generators, so
the resumed run takes the same steps on the same batches with the same random draws as an
uninterrupted run: the same final weights, bit for bit. (A callback that draws random numbers
should pass its own rng=, or resumed runs drift from uninterrupted ones.)

Ctrl-C. The first Ctrl-C asks fit to stop after the step in progress; fit then writes a final
checkpoint, closes the progress bar and RETURNS the state with ``interrupted=True`` (it does not
re-raise; the CLI exits with 130). A second Ctrl-C interrupts at once: a final checkpoint is
written only when that happened outside the update, else the last periodic one stays. Files
are written atomically (glassnet.save), so a kill never leaves half a checkpoint.
"""

import dataclasses
import json
import math
import os
import signal
import threading
from itertools import islice

import glassnet as gn
from glassnet import random
from glassnet.autograd import no_grad


@dataclasses.dataclass
class TrainState:
    model: object
    optimizer: object
    scheduler: object = None
    config: dict = None  # plain (JSON-able) copy of the run's config
    total_steps: int = 0
    step: int = 0  # optimizer steps completed
    epoch: int = 0  # epochs completed
    batch_in_epoch: int = 0  # batches of the current epoch completed
    loss: float = math.nan  # loss of the last step's batch
    metrics: dict = dataclasses.field(default_factory=dict)  # metrics of the last step's batch
    history: list = dataclasses.field(default_factory=list)
    stop: bool = False  # set by a callback, or by Ctrl-C, to end after this step
    interrupted: bool = False  # stopped by Ctrl-C (KeyboardInterrupt)
    at_step_boundary: bool = True  # False while the weights are being updated
    resumed_from: int = None  # the step the run resumed from, if it did
    rng: dict = None  # the global generator at the end of the last step
    loader_rng: dict = None  # the loader's generator at the end of the last step
    epoch_rng: dict = None  # the loader's generator when this epoch's order was drawn


def fit(model, loader, optimizer, *, loss_fn, steps=None, epochs=None, callbacks=(),
        metrics=None, checkpoint=None, checkpoint_every=100, resume=False, config=None,
        scheduler=None, scheduler_interval="epoch"):
    """Train until `steps` optimizer steps or `epochs` passes over `loader` (the first reached).

    loss_fn(output, targets) -> scalar Tensor; batches are (inputs, targets). metrics: name ->
    fn(output, targets) -> float, measured on each batch (e.g. {"accuracy": accuracy}).
    checkpoint: a path, saved every `checkpoint_every` steps and at the end; resume=True
    continues from it when it exists (config, if given, must match the saved one). scheduler
    steps once per epoch, or per step with scheduler_interval="step". Returns the TrainState.
    """
    if steps is None and epochs is None:
        raise ValueError("fit: give steps=N or epochs=N (or both: the first reached ends it)")
    if scheduler_interval not in ("epoch", "step"):
        raise ValueError(f"fit: scheduler_interval must be 'epoch' or 'step', "
                         f"got {scheduler_interval!r}")
    if resume and checkpoint is None:
        raise ValueError("fit: resume=True needs checkpoint=PATH to resume from")
    limits = [steps] if steps is not None else []
    if epochs is not None:
        limits.append(epochs * len(loader))
    callbacks = list(callbacks)
    if not any(isinstance(callback, History) for callback in callbacks):
        callbacks.insert(0, History())
    if checkpoint is not None:
        callbacks.append(Checkpoint(checkpoint, every=checkpoint_every))
    state = TrainState(model, optimizer, scheduler, plain(config), total_steps=min(limits))
    generator = _generator_of(loader)
    state.rng, state.loader_rng = gn.get_rng_state(), generator.bit_generator.state
    if resume and os.path.exists(checkpoint):
        restore(state, gn.load(checkpoint), generator)
    metric_fns = dict(metrics or {})
    model.train()
    try:
        with _StopOnInterrupt(state):
            _call(callbacks, "on_fit_start", state)
            while not (state.stop or state.step >= state.total_steps):
                _run_epoch(state, loader, loss_fn, metric_fns, callbacks, scheduler_interval)
    except KeyboardInterrupt:  # a second Ctrl-C, or one outside the main thread
        state.interrupted = state.stop = True
    except BaseException:
        _call(callbacks, "on_fit_end", state)  # close the bar; save only at a step boundary
        raise
    _call(callbacks, "on_fit_end", state)
    return state


def _run_epoch(state, loader, loss_fn, metric_fns, callbacks, scheduler_interval):
    generator = _generator_of(loader)
    resuming = state.batch_in_epoch > 0
    if resuming:  # draw this epoch's order again from where it was drawn, skip the done batches
        generator.bit_generator.state = state.epoch_rng
    else:
        state.epoch_rng = generator.bit_generator.state
    batches = iter(loader)
    if resuming:
        skipped = sum(1 for _ in islice(batches, state.batch_in_epoch))
        if skipped < state.batch_in_epoch:
            raise ValueError(f"fit: the checkpoint is {state.batch_in_epoch} batches into an "
                             f"epoch, but the loader has only {skipped}")
        generator.bit_generator.state = state.loader_rng
        gn.set_rng_state(state.rng)
    epoch_done, taken = True, 0
    for inputs, targets in batches:
        taken += 1
        _call(callbacks, "on_step_start", state)
        state.optimizer.zero_grad()
        output = state.model(inputs)
        loss = loss_fn(output, targets)
        loss.backward()
        state.at_step_boundary = False
        state.optimizer.step()
        if state.scheduler is not None and scheduler_interval == "step":
            state.scheduler.step()
        state.step += 1
        state.batch_in_epoch += 1
        state.rng, state.loader_rng = gn.get_rng_state(), generator.bit_generator.state
        state.at_step_boundary = True
        state.loss = float(loss.item())
        with no_grad():
            state.metrics = {name: float(fn(output, targets)) for name, fn in metric_fns.items()}
        _call(callbacks, "on_step_end", state)
        if state.stop or state.step >= state.total_steps:
            epoch_done = state.batch_in_epoch == _length(loader)
            break
    if taken == 0 and not resuming:
        raise ValueError("fit: the loader yielded no batches; is the dataset empty, or "
                         "batch_size larger than it with drop_last=True?")
    if epoch_done:
        state.at_step_boundary = False
        state.epoch += 1
        state.batch_in_epoch = 0
        if state.scheduler is not None and scheduler_interval == "epoch":
            state.scheduler.step()
        state.at_step_boundary = True
        _call(callbacks, "on_epoch_end", state)


def evaluate(model, loader, metric_fns):
    """The mean of each metric over every example in loader (eval mode, no gradients).

    metric_fns: name -> fn(output, targets) -> the batch's mean, weighted by its size here."""
    was_training = model.training
    model.eval()
    totals = dict.fromkeys(metric_fns, 0.0)
    count = 0
    try:
        with no_grad():
            for inputs, targets in loader:
                output = model(inputs)
                size = len(targets)
                for name, fn in metric_fns.items():
                    totals[name] += float(fn(output, targets)) * size
                count += size
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate: the loader yielded no examples")
    return {name: total / count for name, total in totals.items()}


def accuracy(output, targets):
    """The fraction of rows whose largest logit is at the target class."""
    return float((output.array.argmax(axis=-1) == targets.array).mean())


# ---- checkpoints ----
def checkpoint_dict(state):
    """Everything a resumed run needs, as of the end of step `state.step`."""
    scheduler = state.scheduler
    return {
        "model": state.model.state_dict(),
        "optimizer": state.optimizer.state_dict(),
        "scheduler": None if scheduler is None else scheduler.state_dict(),
        "step": state.step,
        "epoch": state.epoch,
        "batch_in_epoch": state.batch_in_epoch,
        "rng": state.rng,
        "loader_rng": state.loader_rng,
        "epoch_rng": state.epoch_rng,
        "config": state.config,
        "history": state.history,
    }


def restore(state, saved, generator):
    """Load a checkpoint_dict into the state's model, optimizer, scheduler and generators."""
    if state.config is not None and saved["config"] != state.config:
        old, new = saved["config"] or {}, state.config
        changed = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
        raise ValueError(
            "fit: cannot resume: the checkpoint was made with a different config ("
            + ", ".join(f"{key}: {old.get(key)!r} -> {new.get(key)!r}" for key in changed)
            + "); use the same settings, or start a new run without resume"
        )
    state.model.load_state_dict(saved["model"])
    state.optimizer.load_state_dict(saved["optimizer"])
    if state.scheduler is not None and saved["scheduler"] is not None:
        state.scheduler.load_state_dict(saved["scheduler"])
    for key in ("step", "epoch", "batch_in_epoch", "rng", "loader_rng", "epoch_rng"):
        setattr(state, key, saved[key])
    state.history = list(saved["history"])
    state.resumed_from = state.step
    gn.set_rng_state(state.rng)
    generator.bit_generator.state = state.loader_rng


def plain(config):
    """A dataclass or dict config as plain JSON values (tuples become lists, paths strings)."""
    if config is None:
        return None
    if dataclasses.is_dataclass(config):
        config = dataclasses.asdict(config)
    return json.loads(json.dumps(dict(config), default=str))


# ---- built-in callbacks ----
class History:
    """Appends {"step", "epoch", "loss", "lr", **metrics} to state.history every `every` steps.
    The history is in each checkpoint, so a resumed run's history is the uninterrupted one's."""

    def __init__(self, every=1):
        self.every = every

    def on_step_end(self, state):
        if state.step % self.every == 0:
            lr = state.optimizer.param_groups[0]["lr"]
            state.history.append({"step": state.step, "epoch": state.epoch, "loss": state.loss,
                                  "lr": float(lr), **state.metrics})


class Checkpoint:
    """Save checkpoint_dict(state) to `path` every `every` steps and when fit ends (also on
    Ctrl-C), atomically; a final save is skipped if fit stopped in the middle of an update."""

    def __init__(self, path, every=100):
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"Checkpoint: every must be an int >= 1, got {every!r}")
        self.path, self.every, self.saved_step = os.fspath(path), every, None

    def save(self, state):
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        gn.save(checkpoint_dict(state), self.path)
        self.saved_step = state.step

    def on_step_end(self, state):
        if state.step % self.every == 0:
            self.save(state)

    def on_fit_end(self, state):
        if state.at_step_boundary and state.step != self.saved_step and state.step > 0:
            self.save(state)


class ProgressBar:
    """A rich progress bar: steps done, time left, the live loss and metrics (smoothed). Quiet
    when the console (rich's, on stdout, unless given) is not a terminal or enabled=False."""

    def __init__(self, description="training", enabled=True, smoothing=0.9, console=None):
        self.description, self.enabled, self.smoothing = description, enabled, smoothing
        self.console, self.progress, self.smoothed = console, None, {}

    def on_fit_start(self, state):
        from rich import get_console, progress

        # rich's shared console: inside `glassnet tour` the bar then nests in the tour's display
        console = self.console or get_console()
        if not (self.enabled and console.is_terminal):
            return
        self.progress = progress.Progress(
            progress.TextColumn("{task.description}"), progress.BarColumn(),
            progress.MofNCompleteColumn(), progress.TimeElapsedColumn(),
            progress.TimeRemainingColumn(), progress.TextColumn("{task.fields[status]}"),
            console=console,
        )
        self.progress.start()
        self.task = self.progress.add_task(self.description, total=state.total_steps,
                                           completed=state.step, status="")

    def on_step_end(self, state):
        if self.progress is None:
            return
        for name, value in {"loss": state.loss, **state.metrics}.items():
            previous = self.smoothed.get(name, value)
            self.smoothed[name] = self.smoothing * previous + (1 - self.smoothing) * value
        status = "  ".join(f"{name} {value:.4f}" for name, value in self.smoothed.items())
        self.progress.update(self.task, completed=state.step, status=status)

    def on_fit_end(self, state):
        if self.progress is None:
            return
        if state.interrupted:
            self.progress.update(self.task, description=f"{self.description} (interrupted)")
        self.progress.stop()
        self.progress = None


# ---- helpers ----
def _call(callbacks, event, state):
    for callback in callbacks:
        method = getattr(callback, event, None)
        if method is not None:
            method(state)


def _generator_of(loader):
    """The Generator the loader shuffles with: its own, or glassnet's global one."""
    return random.generator(getattr(loader, "rng", None))


def _length(loader):
    try:
        return len(loader)
    except TypeError:
        return None


class _StopOnInterrupt:
    """While fit runs in the main thread, the first Ctrl-C sets state.stop (the step in
    progress finishes); a second one raises KeyboardInterrupt at once."""

    def __init__(self, state):
        self.state, self.installed, self.previous = state, False, None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.getsignal(signal.SIGINT)
            signal.signal(signal.SIGINT, self._handle)
            self.installed = True
        return self

    def _handle(self, signum, frame):
        if self.state.interrupted:
            raise KeyboardInterrupt
        self.state.interrupted = self.state.stop = True

    def __exit__(self, *exc):
        if self.installed:  # None: a handler not set from Python; the default is the best guess
            signal.signal(signal.SIGINT, self.previous or signal.SIG_DFL)
