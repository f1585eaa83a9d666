"""Whole objects in a checkpoint without pickle: ``save(model, path)`` and ``load(path)``, the
``torch.save(model, f)`` idiom (pytorch/examples' word language model saves its best model so).

An object is stored as what it is made of: its class, named by module and qualified name
(``"model:RNNModel"``), and its attributes (``vars(obj)``), each stored as any checkpoint value
is (tensors, arrays, numbers, strings, lists, dicts...) or as an object again. A function or a
class held as a value (``self.activation = F.relu``) is stored by name. A tensor or object held
twice (tied weights: ``decoder.weight = encoder.weight``) is stored once and referred to after.

Loading makes each object with ``cls.__new__(cls)`` and sets its attributes: no ``__init__``, no
``__setstate__``, no code that the file names is run. Which names a file may use is PyTorch's
rule for ``torch.load(weights_only=True)``, its default: glassnet's own layers, tensors and
functions, and the classes and functions you allow, with ``add_safe_globals([RNNModel])`` or
``with safe_globals([...]):``. ``load(..., weights_only=False)`` says you trust the file: then
any class or function of a module already imported may be named. No module is ever imported on
a file's say, so a name of a module not yet imported is an error that says so.
"""

import contextlib
import sys
import types

# where glassnet's layers, their configs and the math they call live: a file may name these
GLASSNET_HOMES = ("glassnet.nn", "glassnet.models", "glassnet.functional", "glassnet.tensor",
                  "glassnet.ops", "glassnet.creation", "glassnet.autograd")
_SAFE = {}  # path -> the class or function allowed by add_safe_globals / safe_globals
_public_names = {}  # id(glassnet function) -> its public path, "glassnet.nn.functional:relu"


def _public_index():
    """glassnet's public functions by identity: gn.tanh is Tensor.tanh, whose own qualified
    name (made by a method maker) names no attribute, so its public name is used instead."""
    if not _public_names:
        import glassnet
        from glassnet import functional
        from glassnet.nn import functional as nn_functional

        for module in (nn_functional, functional, glassnet):  # the last name given wins
            for name, value in vars(module).items():
                if callable(value) and not isinstance(value, type) and not name.startswith("_"):
                    _public_names[id(value)] = f"{module.__name__}:{name}"
    return _public_names


def path_of(obj):
    """The name a class or function is stored by: "module:qualified.name"."""
    public = _public_index().get(id(obj))
    if public is not None:
        return public
    return f"{getattr(obj, '__module__', None)}:{getattr(obj, '__qualname__', None)}"


def _lookup(path):
    """The object a path names in a module already imported, or None."""
    module_name, _, qualname = path.partition(":")
    value = sys.modules.get(module_name)
    for part in qualname.split("."):
        value = getattr(value, part, None)
    return value


def check_nameable(obj, where):
    """A function or class can be stored only if its name finds it again (not a lambda or a
    function made inside another)."""
    if _lookup(path_of(obj)) is not obj:
        kind = "a lambda" if getattr(obj, "__name__", "") == "<lambda>" else "a function made " \
            "inside another function" if "<locals>" in path_of(obj) else "unnamed"
        raise TypeError(f"save: {where} is {obj!r}, {kind}, which a checkpoint cannot name (nor "
                        "can PyTorch's pickle); make it a module-level function or a Module")
    return path_of(obj)


def is_global(obj):
    return isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType))


def attributes_of(obj, where):
    """The attributes an object is stored by; an object that keeps none is refused."""
    if not hasattr(obj, "__dict__") or type(obj).__new__ is not object.__new__:
        raise TypeError(f"save: cannot store {type(obj).__name__} at {where}; a checkpoint holds "
                        "Tensors, arrays, numbers, strings, lists, tuples, dicts, sets, and "
                        "objects (a model) made of these")
    check_nameable(type(obj), f"the class of {where}")
    return vars(obj)


# ---- which names a file may use ----
def add_safe_globals(safe_globals):
    """Allow these classes and functions (or (object, "module.name") pairs) in files that
    torch.load / gn.load reads with weights_only=True, the default."""
    for item in safe_globals:
        obj, name = item if isinstance(item, tuple) else (item, None)
        path = path_of(obj) if name is None else ":".join(name.rsplit(".", 1))
        _SAFE[path] = obj


def get_safe_globals():
    return list(_SAFE.values())


def clear_safe_globals():
    _SAFE.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """``with safe_globals([RNNModel]):`` allows these names inside the block only."""
    saved = dict(_SAFE)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _SAFE.clear()
        _SAFE.update(saved)


def resolve(path, weights_only, file):
    """The class or function a file names, if it may: allowed by name, one of glassnet's own,
    or (weights_only=False) any in a module already imported."""
    if path in _SAFE:
        return _SAFE[path]
    module_name = path.partition(":")[0]
    found = _lookup(path)
    own = module_name == "glassnet" or module_name.startswith(GLASSNET_HOMES)
    if found is not None and (own or not weights_only):
        return found
    short = path.rpartition(":")[2]
    if weights_only:
        raise RuntimeError(
            f"load: {file} holds a {path.replace(':', '.')}, which is not an allowed global "
            f"(glassnet, like torch.load(weights_only=True), makes only glassnet's own classes and "
            f"those you allow): torch.serialization.add_safe_globals([{short}]), or `with "
            f"torch.serialization.safe_globals([{short}]):` around the load, or pass "
            f"weights_only=False if you trust the file")
    raise RuntimeError(
        f"load: {file} holds a {path.replace(':', '.')}, but "
        + (f"module {module_name!r} is not imported: import it first (glassnet never imports a "
           "module a file names)" if module_name not in sys.modules
           else f"module {module_name!r} has no {short}"))


def make(cls, path, file):
    """An empty object of a class a file names, without running its __init__."""
    if not isinstance(cls, type) or cls.__new__ is not object.__new__:
        raise RuntimeError(f"load: {file} names {path} as the class of an object, but it is not "
                           "a class glassnet can rebuild from attributes")
    return object.__new__(cls)
