"""The Tensor methods that change a tensor in place, and the bookkeeping that makes that safe:
views, .data, the version counter. Tensor (tensor.py) inherits them.

As in PyTorch, ``x.add_(y)``, ``x += y`` and ``x[i] = y`` change x's memory, so every alias of
it (its views, ``detach()``, ``.data``) sees the change. Each change raises the memory's version
(autograd.VersionCounter, shared by views); a graph that saved the old values refuses to
backward through them. When the change happens in the graph (grad mode, and x or y requires
grad) it becomes x's new history, and gradients flow through it: the op reads a copy of x's old
values (so what it saves stays true) and its node becomes x's; if x is a view, its base gets
the change as a node too, and the base's other views read theirs anew when next used.
"""

import numpy as np

from glassnet import autograd
from glassnet.autograd import Context
from glassnet.ops import movement as mv
from glassnet.tensor_convert import _index_key, _to_array, type_name


def in_place(name, op):
    """The in-place form of a method: ``x.name(*args)`` makes x's values ``op(x, *args)``."""

    def in_place_op(self, *args, **kwargs):
        return self._in_place(name, lambda t: op(t, *args, **kwargs), args + tuple(kwargs.values()))

    in_place_op.__name__ = name
    return in_place_op


class InPlaceMethods:
    __slots__ = ()  # Tensor's own __slots__ stay in force

    @property
    def data(self):
        """PyTorch's .data: these values as a tensor outside the graph. It shares the memory
        (a change through it shows here) but not the version counter, so autograd does not
        see such a change; detach() shares both."""
        return self._make(self.array)

    @data.setter
    def data(self, value):
        self.array = _to_array(value)

    def _as_view(self, source, fn, options):
        """self, made by fn from source, shares source's memory: it shares the version counter
        too, and remembers the ops that make it from its base (the first tensor of the chain
        that is no view), so that an in-place change of one reaches the other's history."""
        self._version_counter = source._counter()
        base, steps = (source, ()) if source._view_of is None else source._view_of[:2]
        self._view_of = (base, (*steps, (fn, options)), base._ctx)

    def _refresh(self):
        """A view whose base got a new node (an in-place change in the graph) reads its
        history anew from the base."""
        base, steps, _ = self._view_of
        fresh = base
        for fn, options in steps:
            fresh = fn.apply(fresh, **options)
        self._ctx, self.requires_grad = fresh._ctx, fresh.requires_grad
        self._view_of = (base, steps, base._ctx)

    # ---- writing ----
    def __setitem__(self, key, value):
        key = _index_key(key)
        if autograd.is_grad_enabled() and (self.requires_grad or getattr(value, "requires_grad",
                                                                          False)):
            value = value if isinstance(value, InPlaceMethods) else self._make(_to_array(value))
            self._in_place("__setitem__", lambda t: mv.index_put(t, value.type(t.dtype), key),
                           (value,), cast="unsafe")
        else:
            self._write("__setitem__", _to_array(value, self.dtype), key)

    def _in_place(self, name, compute, operands=(), cast="same_kind"):
        """self's values become compute(self), a tensor of self's shape (or one that broadcasts
        to it) whose dtype casts to self's (any cast for a copy, cast="unsafe"). Recorded in the
        graph when grad mode is on and self or an operand requires grad: compute reads a copy
        of self, so what it saves stays true, and its node becomes self's."""
        recorded = autograd.is_grad_enabled() and (self.requires_grad or any(
            getattr(operand, "requires_grad", False) for operand in operands))
        if recorded:
            self._check_in_graph(name)
            snapshot = self._make(self.array.copy(), self.requires_grad)
            snapshot._ctx = self._ctx
            result = compute(snapshot)
            owned = not any(result is operand for operand in operands)  # not copy_'s source
        else:
            with autograd.no_grad():
                result = compute(self._make(self.array))
        if result.dtype != self.dtype:
            if cast == "same_kind" and not np.can_cast(result.dtype, self.dtype, "same_kind"):
                raise RuntimeError(f"{name}: result type {type_name(result.dtype)[:-6]} can't "
                                   f"be cast to the desired output type "
                                   f"{type_name(self.dtype)[:-6]}")
            result = result.type(self.dtype)
        if result.shape != self.shape:
            if np.broadcast_shapes(result.shape, self.shape) != self.shape:
                raise RuntimeError(f"{name}: output with shape {list(self.shape)} doesn't match "
                                   f"the broadcast shape {list(result.shape)}")
            result = mv.expand(result, self.shape)
        self._write(name, result.array)
        if recorded:
            self._take_history(result, owned)
        return self

    def _check_in_graph(self, name):
        if self._view_of is not None:
            self._refresh()
        base = self if self._view_of is None else self._view_of[0]
        if base.requires_grad and base._ctx is None:
            kind = "" if base is self and name != "__setitem__" else "a view of "
            raise RuntimeError(f"{name}: {kind}a leaf Variable that requires grad is being used "
                               f"in an in-place operation. Change it under `with "
                               f"gn.no_grad():` (an optimizer step) or use the out-of-place op.")

    def _write(self, name, values, key=Ellipsis):
        """Write values into self's memory (NumPy's assignment: broadcast, cast) and count it."""
        try:
            self.array[key] = values
        except ValueError as error:
            if "read-only" in str(error):
                raise RuntimeError(f"{name}: unsupported operation: more than one element of the "
                                   f"written-to tensor refers to a single memory location. "
                                   f"Please clone() the tensor before performing the "
                                   f"operation.") from None
            raise RuntimeError(f"{name}: {error}") from None
        self._counter().value += 1

    def _take_history(self, result, owned):
        """After an in-place change in the graph, result's node is self's; if that node saved
        its output (relu_), what it saved is self now, at self's new version. A view's base
        gets a node too, putting the view's new values at the view's places (PyTorch's
        CopySlices); then the view reads its history from the base."""
        autograd.histories_rewritten = True  # apply() looks for stale views from now on
        if self._view_of is None:
            self._ctx, self.requires_grad = result._ctx, result.requires_grad
            if owned and self._ctx is not None and getattr(self._ctx, "saved", None):
                self._ctx.saved = tuple(self.array if a is result.array else a
                                        for a in self._ctx.saved)
                self._ctx.versions = [(self._counter(), self._version, self.array)
                                      if array is result.array else (holder, version, array)
                                      for holder, version, array in self._ctx.versions]
            return
        base, steps, _ = self._view_of
        places = np.arange(base.numel()).reshape(base.shape)  # which base element each is
        for fn, options in steps:
            places = fn.forward(Context(), places, **options)
        updated = mv.index_put(base, result, np.unravel_index(places, base.shape))
        base._ctx, base.requires_grad = updated._ctx, updated.requires_grad
        self._refresh()

    def add_(self, other, alpha=1):
        """self += alpha * other; add_(alpha, other), an order PyTorch still accepts, too."""
        if isinstance(alpha, InPlaceMethods) and not isinstance(other, InPlaceMethods):
            other, alpha = alpha, other
        return self._in_place("add_", lambda t: t + (other if alpha == 1 else other * alpha),
                              (other,))

    def sub_(self, other, alpha=1):
        if isinstance(alpha, InPlaceMethods) and not isinstance(other, InPlaceMethods):
            other, alpha = alpha, other
        return self._in_place("sub_", lambda t: t - (other if alpha == 1 else other * alpha),
                              (other,))

    def fill_(self, value):
        return self._in_place("fill_", lambda t: t._operand(value)[1], (value,), cast="unsafe")

    def zero_(self):
        return self._in_place("zero_", lambda t: self._make(np.zeros((), t.dtype)))

    def copy_(self, src, non_blocking=False):
        source = src if isinstance(src, InPlaceMethods) else self._make(_to_array(src))
        return self._in_place("copy_", lambda t: source, (source,), cast="unsafe")

    mul_ = in_place("mul_", lambda t, other: t * other)
    div_ = in_place("div_", lambda t, other: t / other)
    clamp_ = clip_ = in_place("clamp_", lambda t, min=None, max=None: t.clamp(min, max))
    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_
