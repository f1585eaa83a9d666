"""Optimizer: the base every update rule shares, with PyTorch's param groups and state dict.

An optimizer holds ``param_groups``, a list of dicts, each with its ``params`` and its own
hyperparameters (``lr``, ...), filled in from ``defaults`` where a group leaves one out. It keeps
one ``state`` dict per parameter (moment estimates, step count) that a subclass fills lazily.
``step()`` calls the subclass's ``_update(param, grad, state, group)`` for every parameter that
has a gradient; updates change ``param.array`` (the NumPy array) in place, so float32 stays float32.

``state_dict()`` has PyTorch's layout: ``{"state": {index: {...}}, "param_groups": [{...,
"params": [indices]}]}``, parameters numbered in group order, so a checkpoint moves to PyTorch
(and back) once its arrays are converted.
"""

import math
from itertools import chain

import numpy as np

from glassnet.autograd import enable_grad, no_grad
from glassnet.tensor import Tensor


class Optimizer:
    # (hyperparameter, lowest, highest, highest excluded): checked for every param group
    ranges = ()

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = {}  # Tensor -> dict; Tensors hash by identity
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, got "
                "a single Tensor; wrap it in a list"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {value}" for key, value in group.items() if key != "params"]
        return "\n".join(lines + [")"])

    def add_param_group(self, param_group):
        """Add a group of parameters with its own hyperparameters (e.g. a smaller lr)."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a param group must be a dict, got {type(param_group)}")
        params = param_group.get("params")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set) or params is None:
            raise TypeError(
                f"{name}: a param group's 'params' must be an ordered collection of Tensors "
                f"(a list), got {type(params).__name__}"
            )
        # (name, parameter) pairs, as model.named_parameters() gives, are taken as in PyTorch
        params = [p[1] if isinstance(p, tuple) and len(p) == 2 else p for p in params]
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(
                    f"{name} can only optimize Tensors, got {type(param).__name__} in a group"
                )
            if not param.is_leaf:
                raise ValueError(f"{name} can't optimize a non-leaf Tensor (one made by an op)")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{name}: a parameter group contains the same parameter twice")
        taken = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in taken for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        group = {**self.defaults, **param_group, "params": params}
        self._check(group)
        self.param_groups.append(group)

    def _check(self, group):
        """Raise a ValueError naming any hyperparameter outside its valid range."""
        for key, low, high, high_open in self.ranges:
            value = group[key]
            items = enumerate(value) if isinstance(value, (tuple, list)) else [(None, value)]
            for i, item in items:
                number = isinstance(item, (int, float, np.number)) and not isinstance(item, bool)
                inside = number and low <= item and (item < high if high_open else item <= high)
                if not inside:
                    label = key if i is None else f"{key}[{i}]"
                    valid_range = f"[{low}, {high})" if high_open else f"[{low}, {high}]"
                    raise ValueError(
                        f"{type(self).__name__}: invalid {label}={item!r}; expected a number "
                        f"in {valid_range}"
                    )

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none or param.grad is None:
                    param.grad = None
                else:
                    param.grad.array[...] = 0

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure()'s loss if given."""
        self._opt_called = True  # lr schedulers check that step() came first
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is None:
                        continue
                    grad = param.grad.array
                    if grad.shape != param.shape:
                        raise RuntimeError(
                            f"{type(self).__name__}.step: gradient shape {grad.shape} does not "
                            f"match parameter shape {param.shape}"
                        )
                    if group.get("maximize", False):
                        grad = -grad
                    self._update(param.array, grad, self.state.setdefault(param, {}), group)
                    param._counter().value += 1  # changed in place: a graph that saved it stops
        return loss

    def _update(self, param, grad, state, group):
        """Change the array ``param`` in place, given its gradient array, state and group."""
        raise NotImplementedError(f"{type(self).__name__} has no _update()")

    @staticmethod
    def _buffer(state, key, param):
        """The array of a state entry, created as zeros shaped like ``param`` on first use."""
        if state.get(key) is None:
            state[key] = Tensor._make(np.zeros_like(param))
        return state[key].array

    # ---- checkpoints ----
    def state_dict(self):
        """A snapshot in PyTorch's layout; arrays are copied, so later steps don't change it."""
        index = {}
        groups = []
        for group in self.param_groups:
            for param in group["params"]:
                index.setdefault(id(param), len(index))
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [index[id(param)] for param in group["params"]]
            groups.append(packed)
        state = {}
        for param, values in self.state.items():
            if values and id(param) in index:
                state[index[id(param)]] = {key: _copy(value) for key, value in values.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyperparameters and state saved by state_dict() (from glassnet or PyTorch)."""
        name = type(self).__name__
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state dict has {len(saved_groups)} parameter "
                f"groups, this optimizer has {len(self.param_groups)}"
            )
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} has {len(saved['params'])} "
                    f"parameters in the state dict, {len(group['params'])} in this optimizer"
                )
        params = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in self.param_groups),
            )
        )
        new_state = {}
        for key, values in state_dict["state"].items():
            if key not in params:
                raise ValueError(f"{name}.load_state_dict: state for unknown parameter {key!r}")
            param = params[key]
            new_state[param] = {k: _restore(k, v, param) for k, v in values.items()}
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            new_group = {**saved, "params": group["params"]}
            self._check(new_group)
            new_groups.append(new_group)
        self.state = new_state
        self.param_groups = new_groups


def speed_options(name, differentiable=False, **switches):
    """PyTorch's implementation switches, kept in the param groups as PyTorch keeps them (so
    state dicts have PyTorch's keys). They choose among PyTorch's kernels (for-each, fused,
    CUDA-graph capturable) that compute the same update; glassnet has one NumPy kernel, so they
    change nothing. differentiable=True (autograd through the step) is not implemented."""
    if differentiable:
        raise NotImplementedError(f"{name}: differentiable=True (a step that autograd can "
                                  "differentiate through) is not implemented; leave it False")
    return {**switches, "differentiable": differentiable}


def _copy(value):
    if isinstance(value, Tensor):
        return Tensor._make(value.array.copy())
    return value


def _restore(key, value, param):
    """A saved state entry as this optimizer keeps it: step as an int, arrays as Tensors."""
    array = value.array if isinstance(value, Tensor) else value
    if key == "step":
        step = float(np.asarray(array))
        return int(step) if math.isfinite(step) and step == int(step) else step
    if isinstance(array, np.ndarray) and array.ndim == 0 and param.ndim != 0:
        return Tensor._make(array.copy())  # a scalar kept per parameter, in its own dtype (NAdam)
    if isinstance(array, np.ndarray):
        if array.shape != param.shape:
            raise ValueError(
                f"load_state_dict: state {key!r} has shape {array.shape}, its parameter has "
                f"shape {param.shape}"
            )
        return Tensor._make(array.astype(param.dtype))
    return value
