"""The glass box: what every layer of a network did during one training step.

Trace(model) puts a forward hook on every leaf module (one without sub-modules). Each call
records the module's output, in the order the layers ran, under its dotted name, and marks the
output with retain_grad(), so after ``loss.backward()`` each record also holds dL/d(output):
the gradient as it flowed back through that layer (backpropagation, Rumelhart, Hinton &
Williams 1986). Summary statistics tell the story at a glance: how strongly each layer lights
up (mean, std, mean |a|), how much of it is dead (exactly zero) or saturated (pinned within 1%
of a bounded activation's limits, where sigmoid and tanh have almost no slope), and how large
the gradient is at each layer and at each parameter (vanishing gradients: Hochreiter 1991;
Glorot & Bengio 2010).

    with Trace(model) as trace:
        loss = F.cross_entropy(model(x), y)
        loss.backward()
    print(trace.table())
    trace.grad_norms()          # {"layers.fc1": 0.31, "layers.act1": 0.12, ...}
    trace["layers.act1"].output  # the activations, an ndarray (B, 128)

As a callback, ``fit(..., callbacks=[Trace(model, every=100)])`` traces every 100th step and
appends ``{"step": n, "layers": trace.summary()}`` to ``trace.history``.
"""

import numpy as np

from glassnet.tensor import Tensor

# (low, high) of the bounded activations, by class name: outputs near a bound are saturated
BOUNDS = {
    "Sigmoid": (0.0, 1.0),
    "Tanh": (-1.0, 1.0),
    "Step": (0.0, 1.0),
    "Softsign": (-1.0, 1.0),
    "Hardsigmoid": (0.0, 1.0),
}
SATURATION_BAND = 0.01  # within this fraction of the range from a bound counts as saturated


def _norm(array):
    return float(np.sqrt(np.sum(np.square(array, dtype=np.float64))))


class LayerTrace:
    """One call of one leaf module: its output and, after backward, the gradient of the loss
    with respect to that output."""

    def __init__(self, name, module, output):
        self.name = name
        self.module = module
        self.kind = type(module).__name__
        self.output = np.array(output.array, copy=True)  # later in-place changes can't reach it
        self._tensor = output

    @property
    def grad(self):
        """dL/d(output) as an ndarray, or None before backward (or if no gradient reached it)."""
        grad = self._tensor.grad
        return None if grad is None else grad.array

    def param_grad_norms(self):
        """{parameter name: ||dL/dparameter||} for this layer's own parameters."""
        return {name: _norm(param.grad.array) for name, param in self.module.named_parameters()
                if param.grad is not None}

    def stats(self):
        """Per-layer summary: output statistics, gradient statistics, parameter grad norms."""
        output = self.output.astype(np.float64)
        stats = {
            "name": self.name,
            "kind": self.kind,
            "shape": list(output.shape),
            "mean": float(output.mean()),
            "std": float(output.std()),
            "abs_mean": float(np.abs(output).mean()),
            "frac_zero": float((output == 0).mean()),
            "frac_saturated": None,  # only bounded activations saturate
        }
        if self.kind in BOUNDS:
            low, high = BOUNDS[self.kind]
            band = SATURATION_BAND * (high - low)
            stats["frac_saturated"] = float(((output <= low + band) | (output >= high - band))
                                            .mean())
        grad = self.grad
        stats["grad_norm"] = None if grad is None else _norm(grad)
        stats["grad_abs_mean"] = None if grad is None else float(np.abs(grad).mean())
        stats["param_grad_norms"] = self.param_grad_norms()
        return stats


def _first_tensor(output):
    """The Tensor a layer returned (the first one, for layers returning tuples like LSTM)."""
    if isinstance(output, Tensor):
        return output
    if isinstance(output, (tuple, list)):
        for item in output:
            found = _first_tensor(item)
            if found is not None:
                return found
    return None


class Trace:
    """Record every leaf module's output and output gradient for one step (see module doc)."""

    def __init__(self, model, every=None):
        self.model = model
        self.every = every  # as a fit callback: trace steps 0, every, 2*every, ...
        self.layers = []
        self.history = []
        self._handles = []

    # ---- recording ----
    def start(self):
        """Hook every leaf module; forgets the layers of a previous recording."""
        self.stop()
        self.layers = []
        for name, module in self.model.named_modules():
            if next(iter(module.children()), None) is None:
                label = name or type(module).__name__  # a model that is itself one layer
                self._handles.append(module.register_forward_hook(self._hook(label)))
        return self

    def stop(self):
        """Remove the hooks; what was recorded stays (and gradients still arrive by backward)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _hook(self, name):
        def record(module, inputs, output):
            tensor = _first_tensor(output)
            if tensor is None:
                return
            calls = sum(layer.module is module for layer in self.layers)
            if tensor.requires_grad:
                tensor.retain_grad()
            label = name if calls == 0 else f"{name}#{calls + 1}"  # a layer used twice
            self.layers.append(LayerTrace(label, module, tensor))

        return record

    # ---- reading ----
    def __iter__(self):
        return iter(self.layers)

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, name):
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"Trace: no layer named {name!r}; recorded: {', '.join(self.names())}")

    def names(self):
        return [layer.name for layer in self.layers]

    def summary(self):
        """[layer.stats() for each layer], in the order the layers ran."""
        return [layer.stats() for layer in self.layers]

    def grad_norms(self):
        """{layer name: ||dL/d(output)||}, in forward order (backward visits them reversed)."""
        return {layer.name: _norm(layer.grad) for layer in self.layers if layer.grad is not None}

    def param_grad_norms(self):
        """{dotted parameter name: ||dL/dparameter||} for every parameter of the model."""
        return {name: _norm(param.grad.array) for name, param in self.model.named_parameters()
                if param.grad is not None}

    def table(self):
        """A plain-text table of the summary, one row a layer."""
        header = (f"{'layer':<22} {'kind':<10} {'shape':<14} {'mean':>8} {'std':>8} "
                  f"{'zero':>6} {'sat':>6} {'grad norm':>10}")
        rows = [header, "-" * len(header)]
        for s in self.summary():
            saturated = "-" if s["frac_saturated"] is None else f"{s['frac_saturated']:.0%}"
            grad = "-" if s["grad_norm"] is None else f"{s['grad_norm']:.3e}"
            shape = "x".join(map(str, s["shape"]))
            rows.append(f"{s['name']:<22} {s['kind']:<10} {shape:<14} {s['mean']:>8.3f} "
                        f"{s['std']:>8.3f} {s['frac_zero']:>6.0%} {saturated:>6} {grad:>10}")
        return "\n".join(rows)

    # ---- as a fit callback ----
    def on_step_start(self, state):
        if self.every and state.step % self.every == 0:
            self.start()

    def on_step_end(self, state):
        if self._handles:
            self.stop()
            self.history.append({"step": state.step, "layers": self.summary()})
