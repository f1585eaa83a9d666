"""`glassnet torch SCRIPT.py [ARGS...]`: run an unmodified PyTorch script on glassnet.

The script runs as `python SCRIPT.py ARGS...` would run it (sys.argv, `__name__ ==
"__main__"`, its folder first on sys.path), inside torch_compat.bind(). When it stops on a
PyTorch name that glassnet lacks, the error says which name (`torch.X`, `torch.nn.X`,
`Tensor.X`), in which file and line of the script, and the exit code is 1; an error raised
inside glassnet on the script's behalf names the script's line that called it. Other errors
of the script's own print Python's traceback, as they would under PyTorch.
"""

import argparse
import importlib
import os
import re
import runpy
import sys
import traceback

from glassnet import torch_compat

PROG = "glassnet torch"
# `from torch.nn import X` with X missing: Python turns the AttributeError into this message
CANNOT_IMPORT = re.compile(r"cannot import name '(\w+)' from '((?:torch)[\w.]*)'")
# where glassnet's classes live, in PyTorch's terms
TORCH_HOMES = (("glassnet.nn", "torch.nn"), ("glassnet.optim.lr_scheduler",
               "torch.optim.lr_scheduler"), ("glassnet.optim", "torch.optim"),
               ("glassnet.utils.data", "torch.utils.data"), ("glassnet.data", "torch.utils.data"))


def _glassnet_folder():
    import glassnet

    return os.path.dirname(os.path.abspath(glassnet.__file__)) + os.sep


def _is_glassnet(filename):
    return os.path.abspath(filename).startswith(_glassnet_folder())


def _is_user(filename, folder):
    """A frame of the script or of a module beside it (not glassnet, not a library)."""
    if filename.startswith("<"):  # <frozen runpy>, <string>
        return False
    path = os.path.abspath(filename)
    return path.startswith(folder) and not path.startswith(_glassnet_folder())


def _torch_class_name(cls):
    """The first glassnet class in cls's MRO, in PyTorch's terms (Tensor, torch.nn.Linear...),
    and whether cls is that class itself (not a class of the script's built on it)."""
    from glassnet.tensor import Tensor

    if issubclass(cls, Tensor):
        return "Tensor", cls.__module__.startswith("glassnet")
    for base in cls.__mro__:
        module = getattr(base, "__module__", "") or ""
        for home, torch_home in TORCH_HOMES:
            if module == home or module.startswith(home + "."):
                return f"{torch_home}.{base.__name__}", base is cls
    return None, False


def _torch_has(torch_name, attribute):
    """Whether the real PyTorch, if it is installed, has the attribute (None: cannot tell)."""
    module, _, name = torch_name.rpartition(".")
    try:
        owner = getattr(importlib.import_module(module or "torch"), name)
    except (ImportError, AttributeError):
        return None
    return hasattr(owner, attribute)


def missing_name(error, innermost_is_user):
    """The PyTorch name that the error says glassnet lacks, or None if it is another error."""
    if isinstance(error, torch_compat.MissingTorchName):
        return error.torch_name
    if isinstance(error, ModuleNotFoundError) and torch_compat._hidden(error.name or ""):
        return error.name
    if isinstance(error, ImportError):
        found = CANNOT_IMPORT.search(str(error))
        return f"{found[2]}.{found[1]}" if found else None
    if not (isinstance(error, AttributeError) and innermost_is_user and error.name):
        return None
    obj = getattr(error, "obj", None)
    owner, exact = _torch_class_name(obj if isinstance(obj, type) else type(obj))
    torch_owner = "torch.Tensor" if owner == "Tensor" else owner
    in_torch = None if owner is None else _torch_has(torch_owner, error.name)
    if owner is None or in_torch is False or (in_torch is None and not exact):
        return None  # a name PyTorch lacks too: the script's own bug, as under PyTorch
    return f"{owner}.{error.name}"


def explain(error, folder):
    """A short message for an error that glassnet should explain, or None (show a traceback)."""
    frames = traceback.extract_tb(error.__traceback__)
    users = [frame for frame in frames if _is_user(frame.filename, folder)]
    if not users:
        return None
    user = users[-1]
    innermost = frames[-1]
    where = f"{_short(user.filename)}, line {user.lineno}"
    line = f"\n    {user.line}" if user.line else ""
    name = missing_name(error, innermost is user)
    if name is not None:
        detail = str(error) if isinstance(error, ModuleNotFoundError) else f"glassnet has no {name}"
        if name.split(".")[0] in torch_compat.HIDDEN[1:]:  # torchvision and the like
            return f"{PROG}: {where}: {detail}{line}"
        return (f"{PROG}: {where}: {detail}{line}\n"
                f"{PROG}: this script needs {name}, which glassnet does not provide (yet).")
    if _is_glassnet(innermost.filename):
        inside = f"{os.path.basename(innermost.filename)}:{innermost.lineno} in {innermost.name}"
        return (f"{PROG}: {where}: {type(error).__name__}: {error}{line}\n"
                f"{PROG}: raised inside glassnet ({inside}) on behalf of this line; set "
                "GLASSNET_TRACEBACK=1 for the whole traceback.")
    return None


def _short(filename):
    """The path relative to the working folder when it is below it, else absolute."""
    relative = os.path.relpath(filename)
    return os.path.abspath(filename) if relative.startswith("..") else relative


def run_script(script, args=()):
    """Run SCRIPT with ARGS under the binding; return the exit code it asks for (0 if none)."""
    path = os.path.abspath(script)
    if not os.path.isfile(path):
        print(f"{PROG}: no such script: {script}", file=sys.stderr)
        return 2
    folder = os.path.dirname(path) + os.sep
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(path))
    try:
        with torch_compat.bind():
            runpy.run_path(script, run_name="__main__")
    except SystemExit as stop:
        return _exit_code(stop.code)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001  whatever the script raises is reported, exit 1
        message = None if os.environ.get("GLASSNET_TRACEBACK") else explain(error, folder)
        if message is None:
            _print_traceback(error, folder)
        else:
            print(message, file=sys.stderr)
        return 1
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    return 0


def _print_traceback(error, folder):
    """Python's traceback from the script's first frame on (not this runner's or runpy's)."""
    tb = error.__traceback__
    while tb is not None and not _is_user(tb.tb_frame.f_code.co_filename, folder):
        tb = tb.tb_next
    traceback.print_exception(type(error), error, tb or error.__traceback__)


def _exit_code(code):
    """sys.exit's argument -> an exit code, as Python itself reads it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def add_command(commands):
    """`glassnet torch SCRIPT.py [ARGS...]` in the CLI's subcommands."""
    runner = commands.add_parser(
        "torch", help="run a PyTorch script on glassnet: glassnet torch SCRIPT.py [ARGS...]",
        description="Run an unmodified PyTorch script with torch bound to glassnet.",
        allow_abbrev=False)
    runner.add_argument("script", metavar="SCRIPT.py", help="a PyTorch script, unmodified")
    runner.add_argument("script_args", nargs=argparse.REMAINDER, metavar="ARGS",
                        help="the script's own arguments (its sys.argv[1:])")
    runner.set_defaults(run=lambda args, parser: run_script(args.script, args.script_args))
