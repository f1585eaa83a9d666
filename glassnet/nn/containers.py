"""The containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict, with
PyTorch's names and indexing. Each holds its items in a list or an ordered dict, which Module's
attribute walk goes through."""

from collections import OrderedDict
from itertools import chain

from glassnet.nn.module import Module, Parameter
from glassnet.tensor import Tensor, type_name


def _modules(container, modules):
    """modules (a list), each checked to be a Module, as PyTorch's containers check."""
    modules = list(modules)
    for module in modules:
        if not isinstance(module, Module):
            raise TypeError(f"{container}: {type(module).__name__} is not a Module subclass")
    return modules


def _attributes(container):
    """The walk of the container's own attributes (set beside its items), items left out."""
    return ((name, value) for name, value in Module._members(container)
            if name.split(".")[0] != "_items")


def _item_by_name(container, name):
    """container.name for an item of that name, as in PyTorch (called when the usual lookup
    finds no attribute)."""
    items = container.__dict__.get("_items")
    if items is not None and name in items:
        return items[name]
    raise AttributeError(f"'{type(container).__name__}' object has no attribute '{name}'")


class Sequential(Module):
    """Modules applied one after another; named "0", "1", ... (or by an OrderedDict's keys)."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            _modules("Sequential", modules[0].values())
            self._items = OrderedDict(modules[0])
        else:
            modules = _modules("Sequential", modules)
            self._items = OrderedDict((str(i), m) for i, m in enumerate(modules))

    def _members(self):  # the items, then any attribute set on the container itself
        return chain(self._items.items(), _attributes(self))

    def __setattr__(self, name, value):
        """seq.name = module (or add_module) appends a step, as in PyTorch."""
        if isinstance(value, Module) and "_items" in self.__dict__:
            self._items[name] = value
        else:
            super().__setattr__(name, value)

    def __delattr__(self, name):
        if name in self.__dict__.get("_items", {}):
            del self._items[name]
        else:
            super().__delattr__(name)

    __getattr__ = _item_by_name  # seq.fc1 for a Sequential built from an OrderedDict

    def forward(self, input):
        for module in self._items.values():
            input = module(input)
        return input

    def append(self, module):
        self._items[str(len(self._items))] = _modules("Sequential", [module])[0]
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        modules = list(self._items.values())
        modules.insert(index, _modules("Sequential", [module])[0])
        self._items = OrderedDict((str(i), m) for i, m in enumerate(modules))  # renumbered
        return self

    def pop(self, index):
        module = self[index]
        del self[index]
        return module

    def __delitem__(self, index):
        """del seq[i] (or a slice); the rest are renumbered "0", "1", ..., as in PyTorch."""
        keys = list(self._items)[index] if isinstance(index, slice) else [self._key(index)]
        for key in keys:
            del self._items[key]
        self._items = OrderedDict((str(i), m) for i, m in enumerate(self._items.values()))

    def _key(self, index):
        if not -len(self._items) <= index < len(self._items):
            raise IndexError(f"Sequential: index {index} is out of range for {len(self._items)} "
                             f"modules")
        return list(self._items)[index]

    def __getitem__(self, index):
        if isinstance(index, slice):  # the items keep their names, as in PyTorch
            return Sequential(OrderedDict(list(self._items.items())[index]))
        return self._items[self._key(index)]

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items.values())


class ModuleList(Module):
    def __init__(self, modules=None):
        super().__init__()
        self._items = _modules("ModuleList", modules or ())

    def _members(self):
        return chain(((str(i), m) for i, m in enumerate(self._items)), _attributes(self))

    def _child_lines(self):
        """A run of equal items printed once, "(0-2): 3 x Linear(...)", as PyTorch prints."""
        texts = [repr(module).replace("\n", "\n  ") for module in self._items]
        lines, start = [], 0
        for end in range(1, len(texts) + 1):
            if end == len(texts) or texts[end] != texts[start]:
                count = end - start
                label = f"({start}):" if count == 1 else f"({start}-{end - 1}): {count} x"
                lines.append(f"{label} {texts[start]}")
                start = end
        others = [(n, m) for n, m in _attributes(self) if isinstance(m, Module)]
        return lines + [f"({n}): " + repr(m).replace("\n", "\n  ") for n, m in others]

    def append(self, module):
        self._items.extend(_modules("ModuleList", [module]))
        return self

    def extend(self, modules):
        self._items.extend(_modules("ModuleList", modules))
        return self

    def insert(self, index, module):
        self._items.insert(index, _modules("ModuleList", [module])[0])

    def pop(self, index=-1):
        return self._items.pop(self._index(index))

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList([*self._items, *other])

    def __delitem__(self, index):
        del self._items[index if isinstance(index, slice) else self._index(index)]

    def _index(self, index):
        if not -len(self._items) <= index < len(self._items):
            raise IndexError(f"ModuleList: index {index} is out of range for "
                             f"{len(self._items)} modules")
        return index

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ModuleList(self._items[index])
        return self._items[self._index(index)]

    def __setitem__(self, index, module):
        self._items[index] = _modules("ModuleList", [module])[0]

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)


class ModuleDict(Module):
    def __init__(self, modules=None):
        super().__init__()
        self._items = OrderedDict()
        self.update(modules or {})

    def update(self, modules):
        """From a mapping or (key, module) pairs, as dict.update."""
        for key, module in dict(modules).items():
            self[key] = module

    __getattr__ = _item_by_name  # md.key for md["key"]

    def __setattr__(self, name, value):  # md.key = module for md["key"] = module
        if isinstance(value, Module) and "_items" in self.__dict__:
            self[name] = value
        else:
            super().__setattr__(name, value)

    def pop(self, key):
        return self._items.pop(key)

    def clear(self):
        self._items.clear()

    def __delitem__(self, key):
        del self._items[key]

    def _members(self):
        return chain(self._items.items(), _attributes(self))

    def __getitem__(self, key):
        return self._items[key]

    def __setitem__(self, key, module):
        if not isinstance(key, str):
            raise TypeError(f"ModuleDict: keys must be strings, got {type(key).__name__} {key!r}")
        self._items[key] = _modules("ModuleDict", [module])[0]

    def __contains__(self, key):
        return key in self._items

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def keys(self):
        return self._items.keys()

    def values(self):
        return self._items.values()

    def items(self):
        return self._items.items()


def _parameter(container, value):
    """A Parameter as it is; a tensor or array becomes one (as PyTorch's containers do)."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value.array, requires_grad=value.requires_grad)
    raise TypeError(f"{container}: {type(value).__name__} is not a Parameter or a Tensor")


def _parameter_line(key, value):
    size = "x".join(map(str, value.shape))
    return f"({key}): Parameter containing: [glassnet.{type_name(value.dtype)} of size {size}]"


class ParameterList(Module):
    """Parameters in a list, named "0", "1"... in the state dict, as PyTorch's."""

    def __init__(self, values=None):
        super().__init__()
        self._items = [_parameter("ParameterList", value) for value in values or ()]

    def _members(self):
        return chain(((str(i), p) for i, p in enumerate(self._items)), _attributes(self))

    def _child_lines(self):
        return [_parameter_line(i, p) for i, p in enumerate(self._items)]

    def append(self, value):
        self._items.append(_parameter("ParameterList", value))
        return self

    def extend(self, values):
        for value in values:
            self.append(value)
        return self

    def __iadd__(self, values):
        return self.extend(values)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ParameterList(self._items[index])
        return self._items[index]

    def __setitem__(self, index, value):
        self._items[index] = _parameter("ParameterList", value)

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)


class ParameterDict(Module):
    """Parameters by string key, in insertion order, as PyTorch's."""

    def __init__(self, parameters=None):
        super().__init__()
        self._items = OrderedDict()
        self.update(parameters or {})

    def update(self, parameters):
        for key, value in dict(parameters).items():
            self[key] = value

    __getattr__ = _item_by_name

    def _members(self):
        return chain(self._items.items(), _attributes(self))

    def _child_lines(self):
        return [_parameter_line(key, p) for key, p in self._items.items()]

    def __getitem__(self, key):
        return self._items[key]

    def __setitem__(self, key, value):
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict: keys must be strings, got {type(key).__name__}")
        self._items[key] = _parameter("ParameterDict", value)

    def __delitem__(self, key):
        del self._items[key]

    def pop(self, key):
        return self._items.pop(key)

    def get(self, key, default=None):
        return self._items.get(key, default)

    def __contains__(self, key):
        return key in self._items

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def keys(self):
        return self._items.keys()

    def values(self):
        return self._items.values()

    def items(self):
        return self._items.items()
