"""save and load: checkpoints as .npz files that hold no pickle, written atomically.

A checkpoint is a state dict (name -> Tensor or array) or any nesting of dicts, lists and tuples
of Tensors, arrays, ints, floats, strings, bools and None, e.g. ``{"model": model.state_dict(),
"optimizer": optimizer.state_dict(), "step": 10, "rng": gn.get_rng_state()}``; or a whole object,
a model, stored as its class's name and its attributes (serialize_objects.py: loading it runs
none of its code, and makes only classes that are glassnet's own or that you allow).

The file is an ordinary NumPy .npz (a zip of .npy files): every array is an entry ``a0``,
``a1``, ..., and the entry ``__glassnet__`` holds, as UTF-8 JSON, a format marker, a version
and the structure, where each array appears as a reference to its entry. Loading never runs
pickle (``allow_pickle=False``), so a checkpoint from elsewhere cannot execute code. ``save``
writes a temporary file beside the target, syncs it to disk and renames it over the target, so a
crash leaves either the old file or the new one, never half of one.
"""

import json
import os
import tempfile
import zipfile

import numpy as np

from glassnet import serialize_objects as objects
from glassnet.tensor import Tensor
from glassnet.tensor_convert import check_device

FORMAT = "glassnet-checkpoint"
VERSION = 1  # data only: tensors, arrays, numbers, strings, lists, tuples, dicts
OBJECTS_VERSION = 2  # with objects (a whole model), names of classes and functions, sets
MARKER = "__glassnet__"


def _encode(obj, arrays, where, memo):
    """obj -> a JSON-able node; arrays found on the way are appended to ``arrays``. A tensor or
    object met again (tied weights) becomes a reference to its first node (memo: id -> number)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if id(obj) in memo:
        return {"ref": memo[id(obj)]}
    if isinstance(obj, (Tensor, np.ndarray, np.generic)):
        array = np.asarray(obj.array if isinstance(obj, Tensor) else obj)
        if array.dtype.hasobject:
            raise TypeError(f"save: {where} is an array of Python objects, which needs pickle")
        arrays.append(array)
        kind = "tensor" if isinstance(obj, Tensor) else "array"
        node = {kind: f"a{len(arrays) - 1}"}
        if isinstance(obj, np.generic):
            node["scalar"] = True
        if isinstance(obj, Tensor):
            node.update(_remember(obj, memo))
            if obj.requires_grad:
                node["requires_grad"] = True
            if type(obj) is not Tensor:  # a Parameter
                node["class"] = objects.check_nameable(type(obj), f"the class of {where}")
        return node
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"save: dict keys must be str or int, got {key!r} in {where}")
            items.append([key, _encode(value, arrays, f"{where}[{key!r}]", memo)])
        return {"dict": items}
    if isinstance(obj, (list, tuple, set, frozenset)):
        kind = "list" if isinstance(obj, list) else "tuple" if isinstance(obj, tuple) else "set"
        return {kind: [_encode(value, arrays, f"{where}[{i}]", memo)
                       for i, value in enumerate(obj)]}
    if isinstance(obj, np.dtype):
        return {"dtype": obj.str}
    if objects.is_global(obj):  # a function or class held as a value: F.relu, nn.LSTM
        return {"global": objects.check_nameable(obj, where)}
    attributes = objects.attributes_of(obj, where)  # an object: a model, its config
    node = {"object": objects.path_of(type(obj)), **_remember(obj, memo)}
    node["attributes"] = [[name, _encode(value, arrays, f"{where}.{name}", memo)]
                          for name, value in attributes.items()]
    return node


def _remember(obj, memo):
    memo[id(obj)] = len(memo)
    return {"id": memo[id(obj)]}


def save(obj, path):
    """Write obj (a state dict or a nested checkpoint) to path, atomically."""
    arrays = []
    tree = _encode(obj, arrays, "the checkpoint", {})
    version = VERSION if _plain(tree) else OBJECTS_VERSION
    header = json.dumps({"format": FORMAT, "version": version, "tree": tree})
    entries = {f"a{i}": array for i, array in enumerate(arrays)}
    entries[MARKER] = np.frombuffer(header.encode("utf-8"), dtype=np.uint8)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: cannot write {path!r}: its folder {directory!r} does not "
                                f"exist")
    handle, temporary = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **entries)  # object arrays were refused above: no pickle inside
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a checkpoint is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    _sync_directory(directory)


def _sync_directory(directory):
    """Make the rename itself durable (POSIX); some systems cannot open a directory."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _plain(node):
    """Whether a tree holds only data (version 1, which every glassnet reads): no objects,
    names, sets, dtypes, or tensors of a class of their own."""
    if isinstance(node, list):
        return all(map(_plain, node))
    if not isinstance(node, dict):
        return True
    if {"object", "global", "set", "dtype", "class", "ref"} & node.keys():
        return False
    return all(_plain(value) for value in node.values())


class _Reader:
    """Rebuilds a tree: data as it is, objects from their names if the names are allowed."""

    def __init__(self, arrays, path, weights_only):
        self.arrays, self.path, self.weights_only = arrays, path, weights_only
        self.made = {}  # node id -> the tensor or object made for it

    def _name(self, path):
        return objects.resolve(path, self.weights_only, self.path)

    def decode(self, node):
        if isinstance(node, list):  # a [key, value] pair of a dict or attributes
            return [self.decode(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "ref" in node:
            return self.made[node["ref"]]
        for kind, build in (("dict", dict), ("list", list), ("tuple", tuple), ("set", set)):
            if kind in node:
                items = [self.decode(value) for value in node[kind]]
                return build(items) if kind != "dict" else {key: value for key, value in items}
        if "dtype" in node:
            return np.dtype(node["dtype"])
        if "global" in node:
            return self._name(node["global"])
        if "object" in node:
            obj = objects.make(self._name(node["object"]), node["object"], self.path)
            self.made[node["id"]] = obj
            obj.__dict__.update({name: self.decode(value) for name, value in node["attributes"]})
            return obj
        return self._array(node)

    def _array(self, node):
        kind = "tensor" if "tensor" in node else "array"
        name = node.get(kind)
        if name not in self.arrays:
            raise ValueError(
                f"load: {self.path} is damaged: its structure refers to a missing array {name!r}"
            )
        array = self.arrays[name]
        if node.get("scalar"):
            return array[()]
        if kind == "array":
            return array
        cls = self._name(node["class"]) if "class" in node else Tensor
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise ValueError(  # noqa: TRY004 (a damaged file, as the errors above)
                f"load: {self.path} names {node['class']} as a tensor's class")
        tensor = object.__new__(cls)._wrap(np.array(array))
        tensor.requires_grad_(node.get("requires_grad", False))
        if "id" in node:
            self.made[node["id"]] = tensor
        return tensor


def _refuse_pickle(path):
    """A PyTorch checkpoint (a zip holding data.pkl) or any pickle is refused, with the way to
    convert it: unpickling runs whatever code the file names, and glassnet never does."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            pickled = any(name.endswith("data.pkl") for name in archive.namelist())
    else:
        with open(path, "rb") as file:
            head = file.read(2)
        pickled = len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5  # pickle protocols
    if pickled:
        raise ValueError(
            f"load: {path} is a PyTorch checkpoint (a pickle); glassnet never unpickles, since a "
            "pickle can run any code. Convert it once where PyTorch is installed: `glassnet "
            f"convert {path} {os.path.splitext(path)[0]}.npz` (it reads only tensors, with "
            "torch.load(weights_only=True)), then load the .npz")


def load(path, map_location=None, weights_only=None):
    """Read a checkpoint written by save(); Tensors come back as Tensors, arrays as arrays,
    objects (a whole model) as objects of their classes. map_location as in torch.load: every
    tensor loads onto the CPU, the one device (a device name other than "cpu" is an error; a
    mapping or a function is accepted and has nothing to move). weights_only as in torch.load:
    True (the default, None) makes only glassnet's classes and those allowed by
    add_safe_globals; False any class of a module already imported."""
    if isinstance(map_location, str):
        check_device(map_location)
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: {path}")
    _refuse_pickle(path)
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"load: {path} is not a glassnet checkpoint: it is not an .npz (zip) archive, "
            "or it was truncated"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as error:
        raise ValueError(f"load: {path} is damaged and cannot be read: {error}") from error
    if MARKER not in arrays:
        raise ValueError(
            f"load: {path} is an .npz archive but not a glassnet checkpoint: it has no "
            f"{MARKER!r} entry (was it written by glassnet.save?)"
        )
    try:
        header = json.loads(arrays.pop(MARKER).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"load: {path} has an unreadable {MARKER!r} entry: {error}") from error
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"load: {path} is not a glassnet checkpoint: its format marker is wrong")
    if header.get("version") not in (VERSION, OBJECTS_VERSION):
        raise ValueError(
            f"load: {path} is a glassnet checkpoint of version {header.get('version')!r}; "
            f"this glassnet reads versions {VERSION} and {OBJECTS_VERSION}"
        )
    return _Reader(arrays, path, weights_only in (None, True)).decode(header["tree"])
