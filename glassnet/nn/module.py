"""Module and Parameter (the containers Sequential, ModuleList, ModuleDict are in containers.py).

A Module is a plain attribute holder: its parameters, buffers and sub-modules are found by
walking its attributes (also through lists, tuples and dicts), in the order they were set. The
dotted names of that walk are the state-dict keys, the same as PyTorch's for the same model.
"""

from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from glassnet.functional.hooks import RemovableHandle
from glassnet.tensor import Tensor, _to_array, float32, float64
from glassnet.tensor_convert import default_dtype, dtype_and_device


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    def __repr__(self):  # as PyTorch's
        return "<All keys matched successfully>" if self == ([], []) else super().__repr__()


class Parameter(Tensor):
    """A Tensor that a Module owns and an optimizer updates: requires_grad by default."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        data = np.zeros(0, dtype=default_dtype()) if data is None else data
        self._wrap(np.array(_to_array(data), copy=True)).requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        copy = Parameter(self.array.copy(), self.requires_grad)
        memo[id(self)] = copy
        return copy


def _walk(prefix, value):
    """(name, value) for each Module or Tensor inside a list, tuple or dict attribute."""
    if isinstance(value, (Module, Tensor)):
        yield prefix, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _walk(f"{prefix}.{i}", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(f"{prefix}.{key}", item)


_BOOKKEEPING = ("_buffer_names", "_transient_buffers", "_forward_hooks", "_forward_pre_hooks")


class Module:
    def __init__(self):
        self.training = True
        self._buffer_names = []
        self._transient_buffers = set()
        self._forward_hooks = {}
        self._forward_pre_hooks = {}

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __setattr__(self, name, value):
        if isinstance(self.__dict__.get(name), Parameter) and not (
                value is None or isinstance(value, Parameter)):
            raise TypeError(f"{type(self).__name__}: cannot assign {type(value).__name__} as "
                            f"parameter '{name}' (a Parameter or None expected)")
        object.__setattr__(self, name, value)

    def __call__(self, *args, **kwargs):
        for hook in list(self._forward_pre_hooks.values()):
            changed = hook(self, args)
            if changed is not None:
                args = changed if isinstance(changed, tuple) else (changed,)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            changed = hook(self, args, output)
            if changed is not None:
                output = changed
        return output

    def register_forward_hook(self, hook):
        """hook(module, inputs, output) runs after forward; a non-None return replaces output."""
        key = object()
        self._forward_hooks[key] = hook
        return RemovableHandle(self._forward_hooks, key)

    def register_forward_pre_hook(self, hook):
        key = object()
        self._forward_pre_hooks[key] = hook
        return RemovableHandle(self._forward_pre_hooks, key)

    def register_buffer(self, name, tensor, persistent=True):
        """A tensor that is not trained (running statistics, masks); a persistent one belongs in
        the state dict, a non-persistent one (persistent=False) does not, as in PyTorch."""
        if name not in self._buffer_names:
            self._buffer_names.append(name)
        if persistent:
            self._transient_buffers.discard(name)
        else:
            self._transient_buffers.add(name)
        setattr(self, name, tensor)

    def register_parameter(self, name, param):
        setattr(self, name, param)

    def register_module(self, name, module):
        setattr(self, name, module)

    add_module = register_module

    # ---- the walk ----
    def _members(self):
        """(name, value) of this module's own attributes, in the order they were set."""
        for name, value in self.__dict__.items():
            if name not in _BOOKKEEPING:
                yield from _walk(name, value)

    def named_children(self):
        seen = set()
        for name, value in self._members():
            if isinstance(value, Module) and id(value) not in seen:
                seen.add(id(value))
                yield name, value

    def children(self):
        return (module for _, module in self.named_children())

    def named_modules(self, memo=None, prefix=""):
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return (module for _, module in self.named_modules())

    def get_submodule(self, target):
        """The module at a dotted path ("encoder.layers.0"; "" is this module), as PyTorch's."""
        module = self
        for atom in target.split(".") if target else ():
            child = dict(module.named_children()).get(atom)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no submodule `{atom}` (in "
                                     f"{target!r}); its children: {[n for n, _ in module.named_children()]}")
            module = child
        return module

    def get_parameter(self, target):
        """The Parameter at a dotted path ("encoder.0.weight"), as PyTorch's."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        value = dict(module._own("parameter")).get(name)
        if value is None:
            raise AttributeError(f"{type(module).__name__} has no parameter `{name}` (in {target!r})")
        return value

    def _own(self, kind):
        for name, value in self._members():
            parameter = kind == "parameter" and isinstance(value, Parameter)
            buffer = kind == "buffer" and name in self._buffer_names and value is not None
            if parameter or buffer:
                yield name, value

    def _named(self, kind, prefix="", recurse=True):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, value in module._own(kind):
                if id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{module_name}.{name}" if module_name else name), value

    def named_parameters(self, prefix="", recurse=True):
        return self._named("parameter", prefix, recurse)

    def parameters(self, recurse=True):
        return (param for _, param in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix="", recurse=True):
        return self._named("buffer", prefix, recurse)

    def buffers(self, recurse=True):
        return (buffer for _, buffer in self.named_buffers(recurse=recurse))

    # ---- state ----
    def state_dict(self, prefix=""):
        """name -> Tensor for every parameter and buffer; tensors share memory with the module."""
        state = OrderedDict()
        for name, value in self._own("parameter"):
            state[prefix + name] = value.detach()
        for name, value in self._own("buffer"):
            if name not in self._transient_buffers:
                state[prefix + name] = value.detach()
        for name, child in self._members():  # a module under two names is saved under both,
            if isinstance(child, Module):  # as in PyTorch (named_children gives it once)
                state.update(child.state_dict(prefix=f"{prefix}{name}."))
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy values (Tensors or arrays) into this module's parameters and buffers."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a mapping of names to tensors (as "
                            f"state_dict() returns), got {type(state_dict).__name__}")
        for name, module in list(self.named_modules()):  # lazy layers take their size here
            if hasattr(module, "_materialize_from_state"):
                module._materialize_from_state(state_dict, f"{name}." if name else "")
        own = self.state_dict()
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        errors = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = np.asarray(getattr(state_dict[key], "data", state_dict[key]))
            if value.shape != target.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {value.shape} from "
                    f"checkpoint, the shape in current model is {target.shape}"
                )
        if strict and (missing or unexpected):
            if missing:
                errors.append("Missing key(s) in state_dict: " + ", ".join(map(repr, missing)))
            if unexpected:
                errors.append(
                    "Unexpected key(s) in state_dict: " + ", ".join(map(repr, unexpected))
                )
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        for key, target in own.items():
            if key in state_dict:
                value = np.asarray(getattr(state_dict[key], "data", state_dict[key]))
                target.array[...] = value.astype(target.dtype, copy=False)
        return IncompatibleKeys(missing, unexpected)

    # ---- modes and bulk changes ----
    def train(self, mode=True):
        if not isinstance(mode, bool):  # a ValueError, as PyTorch's
            raise ValueError(f"train: mode is expected to be a bool, got {mode!r}")  # noqa: TRY004
        self.training = mode
        for child in self.children():  # each child's own train(), overridden or not
            child.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad.array[...] = 0

    def apply(self, fn):
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args, dtype=None, device=None, **kwargs):
        """to(dtype), to(device), to(device, dtype), to(tensor): the float parameters and
        buffers take a float dtype, as in PyTorch; the one device is the CPU."""
        dtype = dtype_and_device(args, dtype, device)
        if dtype is None:
            return self
        if not np.issubdtype(dtype, np.floating):
            raise TypeError(f"{type(self).__name__}.to only accepts floating point dtypes, got "
                            f"{dtype}")
        for value in list(self.parameters()) + list(self.buffers()):
            if np.issubdtype(value.dtype, np.floating):
                value.array = value.array.astype(dtype)
                if value.grad is not None:
                    value.grad.array = value.grad.array.astype(dtype)
        return self

    def double(self):
        return self.to(float64)

    def float(self):
        return self.to(float32)

    def cpu(self):
        return self

    # ---- printing ----
    def extra_repr(self):
        return ""

    def __repr__(self):
        extra, lines = self.extra_repr(), self._child_lines()
        if not lines:
            return f"{type(self).__name__}({extra})"
        lines = ([extra] if extra else []) + lines
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"

    def _child_lines(self):
        return [f"({name}): " + repr(child).replace("\n", "\n  ")
                for name, child in self.named_children()]
