"""L-BFGS: a quasi-Newton method that builds an approximate inverse Hessian from the last
history_size pairs of steps s and gradient changes y (Nocedal 1980, "Updating quasi-Newton
matrices with limited storage", Math. Comp. 35; Nocedal & Wright, "Numerical Optimization",
algorithm 7.4, the two-loop recursion). PyTorch's variant, which this follows step for step:

    step(closure) evaluates the loss up to max_iter times; each iteration computes the
    direction d = -H g by the two-loop recursion (H = (s.y / y.y) I initially), moves the
    parameters by lr * d (the first iteration of all by min(1, 1 / |g|_1) * lr), and
    re-evaluates the closure; it stops early when the gradient, the step or the loss change
    falls under its tolerance.

All parameters are treated as one flat vector, so there is one param group. Only the fixed
step is implemented: line_search_fn="strong_wolfe" raises. The official time-sequence
example (pytorch/examples, time_sequence_prediction) trains with LBFGS(lr=0.8).
"""

import numpy as np

from glassnet.autograd import enable_grad, no_grad
from glassnet.optim.optimizer import Optimizer
from glassnet.tensor import _to_array


class LBFGS(Optimizer):
    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        if not lr >= 0:
            raise ValueError(f"LBFGS: invalid learning rate lr={lr!r}; expected a number >= 0")
        if line_search_fn is not None:
            raise NotImplementedError(f"LBFGS: line_search_fn={line_search_fn!r} is not "
                                      "implemented; use line_search_fn=None (a fixed step lr)")
        defaults = {"lr": lr, "max_iter": max_iter,
                    "max_eval": max_iter * 5 // 4 if max_eval is None else max_eval,
                    "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                    "history_size": history_size, "line_search_fn": line_search_fn}
        super().__init__(params, defaults)  # a second group: add_param_group below refuses it
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group):
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _flat_grad(self):
        return np.concatenate([np.zeros(p.numel(), p.dtype) if p.grad is None
                               else _to_array(p.grad).ravel() for p in self._params])

    def _add(self, step_size, direction):
        offset = 0
        for param in self._params:
            size = param.numel()
            array = _to_array(param)
            array += step_size * direction[offset:offset + size].reshape(param.shape)
            param._counter().value += 1  # changed in place, as in Optimizer.step
            offset += size

    def _evaluate(self, closure):
        with enable_grad():
            loss = closure()
        return loss, float(loss), self._flat_grad()

    def step(self, closure):
        """Up to max_iter L-BFGS iterations; closure() must clear the gradients, compute the
        loss, call backward() and return the loss. Returns the first loss."""
        if closure is None:
            raise RuntimeError("LBFGS.step needs a closure that re-evaluates the model and "
                               "returns the loss")
        self._opt_called = True
        group = self.param_groups[0]
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        original_loss, loss, flat_grad = self._evaluate(closure)
        state["func_evals"] += 1
        with no_grad():
            self._iterate(closure, group, state, loss, flat_grad)
        return original_loss

    def _direction(self, state, flat_grad, history_size):
        """The two-loop recursion: d = -H g from the stored (s, y) pairs."""
        y = flat_grad - state["prev_flat_grad"]
        s = state["d"] * state["t"]
        ys = y.dot(s)
        if ys > 1e-10:  # keep the pair only if the curvature is positive
            if len(state["old_dirs"]) == history_size:
                for key in ("old_dirs", "old_stps", "ro"):
                    state[key].pop(0)
            state["old_dirs"].append(y)
            state["old_stps"].append(s)
            state["ro"].append(1.0 / ys)
            state["H_diag"] = ys / y.dot(y)
        old_dirs, old_stps, ro = state["old_dirs"], state["old_stps"], state["ro"]
        alphas = [None] * len(old_dirs)
        q = -flat_grad
        for i in range(len(old_dirs) - 1, -1, -1):
            alphas[i] = old_stps[i].dot(q) * ro[i]
            q = q - alphas[i] * old_dirs[i]
        r = q * state["H_diag"]
        for i in range(len(old_dirs)):
            beta = old_dirs[i].dot(r) * ro[i]
            r = r + (alphas[i] - beta) * old_stps[i]
        return r

    def _iterate(self, closure, group, state, loss, flat_grad):
        lr, max_iter = group["lr"], group["max_iter"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        if np.abs(flat_grad).max() <= tolerance_grad:
            return
        evaluations, n_iter = 1, 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                state.update(d=-flat_grad, old_dirs=[], old_stps=[], ro=[], H_diag=1)
            else:
                state["d"] = self._direction(state, flat_grad, group["history_size"])
            state["prev_flat_grad"] = flat_grad.copy()
            state["prev_loss"] = loss
            if state["n_iter"] == 1:
                state["t"] = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                state["t"] = lr
            d, t = state["d"], state["t"]
            if flat_grad.dot(d) > -tolerance_change:  # not a descent direction
                break
            self._add(t, d)
            if n_iter != max_iter:
                _, loss, flat_grad = self._evaluate(closure)
                evaluations += 1
                state["func_evals"] += 1
            if n_iter == max_iter or evaluations >= group["max_eval"]:
                break
            if np.abs(flat_grad).max() <= tolerance_grad:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - state["prev_loss"]) < tolerance_change:
                break
