"""`glassnet convert IN OUT`: weights both ways between PyTorch and glassnet.

A PyTorch state dict (.pt, .pth, .bin: a pickle, read with the installed PyTorch's
`torch.load(weights_only=True)`, which unpickles tensors and plain containers only) becomes a
glassnet checkpoint (.npz, no pickle: glassnet.load reads it, model.load_state_dict takes it);
a glassnet checkpoint becomes a PyTorch state dict (torch.save). The direction comes from the
file names. The file may also be a checkpoint dict that holds the state dict under a key such
as "model" or "state_dict" (nanoGPT's ckpt.pt, a zoo or `fit` checkpoint): the key used is
said, and --key picks one. A prefix that every key shares from torch.compile ("_orig_mod.") or
DataParallel ("module.") is dropped, as nanoGPT does before loading. --like CHECKPOINT checks
the keys and shapes against another state dict (say, one saved from the model that is to load
the result) and writes nothing when they differ.

Glassnet itself never unpickles: reading a .pt needs PyTorch installed.
"""

import os
import re
import sys
from collections.abc import Mapping

import numpy as np

TORCH_SUFFIXES = (".pt", ".pth", ".bin")
GLASSNET_SUFFIXES = (".npz",)
# where checkpoints commonly keep the model's state dict, most specific first
STATE_KEYS = ("state_dict", "model_state_dict", "model", "net", "module", "network", "weights")
PREFIXES = ("_orig_mod.", "module.")  # torch.compile, (Distributed)DataParallel


class ConvertError(Exception):
    """A file that cannot be converted; the message says why and what to do."""


def _kind(path):
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix in TORCH_SUFFIXES:
        return "torch"
    return "glassnet" if suffix in GLASSNET_SUFFIXES else None


def _import_torch(path):
    try:
        import torch
    except ImportError as error:
        raise ConvertError(
            f"reading or writing {path} needs PyTorch (pip install torch): a .pt file is a "
            "pickle, and glassnet itself never unpickles") from error
    return torch


def _is_tensor(value):
    return hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, Mapping)


def _is_state_dict(obj):
    return (isinstance(obj, Mapping) and len(obj) > 0
            and all(isinstance(k, str) and _is_tensor(v) for k, v in obj.items()))


def pick_state_dict(obj, path, key=None):
    """(the state dict in obj, a note saying where it was found)."""
    if key is not None:
        if not isinstance(obj, Mapping) or key not in obj:
            keys = ", ".join(map(repr, obj)) if isinstance(obj, Mapping) else "none"
            raise ConvertError(f"{path} has no key {key!r}; its keys: {keys}")
        if not _is_state_dict(obj[key]):
            raise ConvertError(f"{path}[{key!r}] is not a state dict (names -> tensors)")
        return obj[key], f"the state dict under key {key!r}"
    if _is_state_dict(obj):
        return obj, "the whole file is a state dict"
    if not isinstance(obj, Mapping):
        raise ConvertError(f"{path} is not a state dict: it holds a {type(obj).__name__}, not a "
                           "dict of names -> tensors")
    found = [k for k in STATE_KEYS if k in obj and _is_state_dict(obj[k])]
    found += [k for k, v in obj.items() if k not in found and _is_state_dict(v)]
    if not found:
        raise ConvertError(f"{path} is not a state dict: a dict with keys "
                           f"{', '.join(map(repr, obj))}, none of which holds names -> tensors")
    others = [repr(k) for k in obj if k != found[0]]
    rest = f" (the file also holds {', '.join(others)}: left out)" if others else ""
    return obj[found[0]], f"the state dict under key {found[0]!r}{rest}"


def _strip_prefix(state):
    for prefix in PREFIXES:
        if all(k.startswith(prefix) for k in state):
            return {k[len(prefix):]: v for k, v in state.items()}, f"; prefix {prefix!r} dropped"
    return state, ""


def read(path, key=None):
    """(state dict as {name: ndarray}, note) from a .pt/.pth/.bin or a glassnet .npz."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ConvertError(f"no such file: {path}")
    if _kind(path) == "torch":
        torch = _import_torch(path)
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:
            raise ConvertError(
                f"{path} is not a PyTorch state dict that can be read safely: torch.load("
                f"weights_only=True) refused it ({_reason(error)}). A whole model saved with "
                "torch.save(model) holds code; in PyTorch, save model.state_dict() instead"
            ) from error
        state, note = pick_state_dict(obj, path, key)
        arrays = {}
        for name, tensor in state.items():
            tensor = tensor.detach().cpu()
            if tensor.dtype == torch.bfloat16:  # NumPy has no bfloat16; float32 holds it exactly
                tensor, note = tensor.float(), note + "; bfloat16 read as float32"
            arrays[name] = tensor.numpy().copy()
    else:
        from glassnet import serialize

        try:
            obj = serialize.load(path)
        except ValueError as error:
            raise ConvertError(str(error)) from error
        state, note = pick_state_dict(obj, path, key)
        arrays = {name: np.asarray(value) for name, value in state.items()}
    arrays, stripped = _strip_prefix(arrays)
    return arrays, note + stripped


def _reason(error):
    """The line of torch.load's long refusal that says what it met."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in str(error).splitlines()]
    lines = [line for line in lines if line] or [type(error).__name__]
    found = re.search(r"Unsupported global: GLOBAL (\S+)", str(error))
    return f"it holds a pickled {found[1]}" if found else lines[0][:240]


def write(arrays, path):
    """Write {name: ndarray} as a glassnet checkpoint (.npz) or a PyTorch state dict (.pt)."""
    if _kind(path) == "torch":
        torch = _import_torch(path)
        torch.save({name: torch.from_numpy(np.array(a)) for name, a in arrays.items()}, path)
        return
    from glassnet import serialize
    from glassnet.tensor import Tensor

    serialize.save({name: Tensor._make(np.array(a)) for name, a in arrays.items()},
                   path)


def compare(arrays, reference):
    """The differences between two state dicts' keys and shapes, one line each."""
    lines = [f"missing: {k} {tuple(reference[k].shape)}" for k in reference if k not in arrays]
    lines += [f"unexpected: {k} {tuple(arrays[k].shape)}" for k in arrays if k not in reference]
    lines += [f"shape: {k} is {tuple(arrays[k].shape)}, expected {tuple(reference[k].shape)}"
              for k in arrays if k in reference and arrays[k].shape != reference[k].shape]
    return lines


def table(arrays):
    width = max(len("key"), *map(len, arrays))
    rows = [f"{'key':<{width}}  {'shape':<18} dtype"]
    rows += [f"{k:<{width}}  {tuple(a.shape)!s:<18} {a.dtype}" for k, a in arrays.items()]
    return "\n".join(rows)


def run(source, target, key=None, like=None, quiet=False):
    """The command: 0 when OUT was written, 1 when a file cannot be converted, 2 on bad use."""
    kinds = (_kind(source), _kind(target))
    if kinds not in (("torch", "glassnet"), ("glassnet", "torch")):
        print(f"glassnet convert: cannot tell the direction from {source!r} -> {target!r}: "
              f"convert a .pt/.pth/.bin into a .npz, or a .npz into a .pt/.pth", file=sys.stderr)
        return 2
    try:
        arrays, note = read(source, key)
        if like is not None:
            reference, _ = read(like)
            differences = compare(arrays, reference)
            if differences:
                raise ConvertError(f"{source} does not match {like} ({len(differences)} "
                                   "differences; nothing written):\n  " + "\n  ".join(differences))
        write(arrays, target)
    except ConvertError as error:
        print(f"glassnet convert: {error}", file=sys.stderr)
        return 1
    if not quiet:
        print(table(arrays))
    count = sum(int(np.prod(a.shape)) for a in arrays.values())
    checked = f"; keys and shapes match {like}" if like else ""
    print(f"{source} -> {target}: {len(arrays)} tensors, {count:,} values; {note}{checked}")
    return 0


def add_command(commands):
    """`glassnet convert IN OUT` in the CLI's subcommands."""
    converter = commands.add_parser(
        "convert", help="weights both ways: a PyTorch state dict (.pt/.pth) <-> a glassnet "
        "checkpoint (.npz)", description=__doc__.split("\n\n")[1])
    converter.add_argument("source", metavar="IN", help="a .pt/.pth/.bin (needs torch) or a .npz")
    converter.add_argument("target", metavar="OUT", help="a .npz, or a .pt/.pth")
    converter.add_argument("--key", help="the key of a checkpoint dict holding the state dict")
    converter.add_argument("--like", metavar="CHECKPOINT", help="check keys and shapes against "
                           "this state dict (.npz or .pt); write nothing if they differ")
    converter.add_argument("--quiet", action="store_true", help="no table of the tensors")
    converter.set_defaults(run=lambda args, parser: run(args.source, args.target, args.key,
                                                        args.like, args.quiet))
