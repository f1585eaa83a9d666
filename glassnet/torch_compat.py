"""PyTorch programs on glassnet: `torch` bound to glassnet's modules.

    from glassnet import torch_compat

    with torch_compat.bind() as torch:     # `import torch` inside now gives glassnet
        import my_pytorch_program           # torch.nn, torch.optim, torch.utils.data...
        ...

`glassnet torch SCRIPT.py [ARGS...]` (torch_script.py) runs a whole script this way.

Inside bind(), sys.modules maps `torch`, `torch.nn`, `torch.nn.functional`, `torch.nn.init`,
`torch.nn.utils`, `torch.optim`, `torch.optim.lr_scheduler`, `torch.utils.data` and a few
more to namespaces served by glassnet's modules (glassnet, glassnet.nn, glassnet.optim,
glassnet.utils.data or, before it exists, glassnet.data's loader). A name glassnet lacks is
an AttributeError of its own kind, MissingTorchName, that names it in PyTorch's terms
("glassnet has no torch.fft"); `hasattr(torch.nn.functional, "x")` answers False as usual.
Importing a torch submodule that glassnet does not serve, or torchvision, torchaudio,
torchtext, is a ModuleNotFoundError that says so.

What the machine around PyTorch looks like here (torch_env.py): no accelerator (`torch.cuda.is_available()`,
`torch.backends.mps.is_available()` and `torch.accelerator.is_available()` are False; a CUDA
device is an error where a tensor would move to it); `torch.save`/`torch.load` write and read
glassnet's checkpoints (.npz, never a pickle; a real PyTorch pickle is refused with the way to
convert it: `glassnet convert`), a whole model too (`torch.save(model, f)`: its classes by name,
its attributes; torch.serialization.safe_globals as in PyTorch); `torch.compile(model)` returns
the model unchanged; a disabled GradScaler and CUDA autocast are no-ops, as in PyTorch on a
machine without CUDA; `torch.utils.tensorboard.SummaryWriter` keeps scalars in a CSV (glassnet/utils/tensorboard.py); distributed
training is refused.

On leaving bind(), sys.modules is as before: the real torch (if it was imported) is back,
and the modules of your own that were imported inside are forgotten, so that importing them
again outside sees the real torch.
"""

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import sysconfig
import types

# top-level packages that a binding hides: torch itself, and the libraries built on it
HIDDEN = ("torch", "torchvision", "torchaudio", "torchtext", "functorch")
VERSION = "2.13.0+glassnet"
AUTOGRAD = ("no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
            "Variable", "grad")  # the PyTorch API level glassnet follows (its own version after +)


# the files of torch/nn/modules/, each served by glassnet.nn as a whole
MODULE_FILES = ("activation", "adaptive", "batchnorm", "channelshuffle", "container", "conv",
                "distance", "dropout", "flatten", "fold", "instancenorm", "lazy", "linear", "loss",
                "module", "normalization", "padding", "pixelshuffle", "pooling", "rnn", "sparse",
                "transformer", "upsampling")


class MissingTorchName(AttributeError):
    """A PyTorch name that glassnet does not have (yet); torch_name is the name, as torch.X."""

    def __init__(self, torch_name, hint=""):
        super().__init__(f"glassnet has no {torch_name}{hint}")
        self.torch_name = torch_name


class Namespace(types.ModuleType):
    """One torch module path served by glassnet. Its own names come first (sub-namespaces,
    stand-ins), then the public names of its glassnet source module, then fallbacks (stand-ins
    that glassnet itself may one day provide); any other name is a MissingTorchName."""

    def __init__(self, name, source=None, fallbacks=None, hint="", **own):
        super().__init__(name, f"{name}, served by glassnet")
        self.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
        self.__path__ = []  # a package: `import torch.x` asks the finders (see _Refuse)
        self.__dict__.update(own)
        self.__dict__["_glassnet"] = (source, fallbacks or {}, hint)

    def __getattr__(self, attr):
        if attr.startswith("__"):  # __path__, __file__, __wrapped__...: plain absence
            raise AttributeError(attr)
        source, fallbacks, hint = self.__dict__["_glassnet"]
        if source is not None and not attr.startswith("_"):
            value = getattr(source, attr, None)
            if value is not None and not isinstance(value, types.ModuleType):
                return value
        if attr in fallbacks:
            return fallbacks[attr]
        raise MissingTorchName(f"{self.__name__}.{attr}", hint)

    def __repr__(self):
        return f"<module {self.__name__!r} (glassnet)>"

    def __dir__(self):
        source, fallbacks, _ = self.__dict__["_glassnet"]
        names = set(self.__dict__) | set(fallbacks)
        if source is not None:
            names |= {n for n in dir(source) if not n.startswith("_")}
        return sorted(n for n in names if n != "_glassnet")


# ---- the namespaces ----
def namespaces():
    """{torch module path: Namespace}, fresh ones for one binding."""
    import glassnet
    from glassnet import autograd, init, nn, optim, serialize_objects
    from glassnet.nn import utils as utils_nn
    from glassnet.torch_env import (
        NO_CUDA,
        ONE_PROCESS,
        GradScaler,
        UnsupportedDtype,
        _false,
        _nothing,
        _refused,
        _zero,
        autocast,
        compile,
        load,
        save,
    )
    from glassnet.utils import data as utils_data
    from glassnet.utils import tensorboard as utils_tensorboard

    data = Namespace("torch.utils.data", utils_data)
    tensorboard = Namespace("torch.utils.tensorboard", utils_tensorboard)
    cuda_amp = Namespace("torch.cuda.amp", hint=f" ({NO_CUDA})", GradScaler=GradScaler,
                         autocast=autocast)
    cuda = Namespace(
        "torch.cuda", hint=f" ({NO_CUDA})", amp=cuda_amp, is_available=_false,
        device_count=_zero, is_bf16_supported=_false, is_initialized=_false,
        manual_seed=_nothing, manual_seed_all=_nothing, synchronize=_nothing,
        empty_cache=_nothing)
    matmul = Namespace("torch.backends.cuda.matmul", allow_tf32=False,
                       allow_fp16_reduced_precision_reduction=True)
    backends = Namespace(
        "torch.backends",
        mps=Namespace("torch.backends.mps", is_available=_false, is_built=_false),
        cudnn=Namespace("torch.backends.cudnn", is_available=_false, enabled=True,
                        benchmark=False, deterministic=False, allow_tf32=True),
        cuda=Namespace("torch.backends.cuda", matmul=matmul, is_built=_false))
    amp = Namespace("torch.amp", GradScaler=GradScaler, autocast=autocast)
    distributed = Namespace(
        "torch.distributed", hint=f" ({ONE_PROCESS})", is_available=_false,
        is_initialized=_false,
        init_process_group=_refused("torch.distributed.init_process_group", ONE_PROCESS),
        destroy_process_group=_nothing)
    parallel = Namespace(
        "torch.nn.parallel", hint=f" ({ONE_PROCESS})",
        DistributedDataParallel=_refused("torch.nn.parallel.DistributedDataParallel",
                                         ONE_PROCESS),
        DataParallel=_refused("torch.nn.parallel.DataParallel", NO_CUDA),
        data_parallel=_refused("torch.nn.parallel.data_parallel", NO_CUDA))
    nn_utils = Namespace("torch.nn.utils", utils_nn,
                         rnn=Namespace("torch.nn.utils.rnn", utils_nn.rnn))
    functional = Namespace("torch.nn.functional", nn.functional)
    # torch.nn.modules.linear.Linear and the like: the paths a pickled model names its classes
    # by, which scripts list for torch.serialization.safe_globals (word_language_model)
    modules = Namespace("torch.nn.modules", nn, **{name: Namespace(f"torch.nn.modules.{name}", nn)
                                                   for name in MODULE_FILES})
    torch_nn = Namespace("torch.nn", nn, functional=functional, utils=nn_utils, modules=modules,
                         init=Namespace("torch.nn.init", init), parallel=parallel,
                         parameter=Namespace("torch.nn.parameter", Parameter=nn.Parameter))
    lr_scheduler = Namespace("torch.optim.lr_scheduler", optim.lr_scheduler)
    optimizer = Namespace("torch.optim.optimizer", Optimizer=optim.Optimizer)
    torch_optim = Namespace("torch.optim", optim, lr_scheduler=lr_scheduler, optimizer=optimizer)
    utils = Namespace("torch.utils", data=data, tensorboard=tensorboard)
    # torch.autograd: the names whose PyTorch meaning glassnet.autograd has (its Function is
    # the engine's own, on NumPy arrays, and not PyTorch's API for custom functions)
    grad_modes = {name: getattr(autograd, name) for name in AUTOGRAD if hasattr(autograd, name)}
    accelerator = Namespace("torch.accelerator", hint=f" ({NO_CUDA})", is_available=_false,
                            current_accelerator=_nothing, device_count=_zero)
    # imported at the top of scripts that export only when asked (word_language_model)
    onnx = Namespace("torch.onnx", hint=" (glassnet exports no ONNX graphs)")
    serialization = Namespace("torch.serialization", serialize_objects, save=save, load=load)
    linalg = Namespace("torch.linalg", glassnet.linalg, hint=" (glassnet's linalg has the norms)")
    distributions = Namespace("torch.distributions", glassnet.distributions,
                              hint=" (glassnet has Categorical, Bernoulli and Normal)")
    torch = Namespace(
        "torch", glassnet,
        fallbacks={"compile": compile, "autocast": autocast,
                   "set_float32_matmul_precision": _nothing,
                   **{name: UnsupportedDtype(name) for name in ("bfloat16", "float16", "half")}},
        nn=torch_nn, optim=torch_optim, utils=utils, cuda=cuda, backends=backends, amp=amp,
        distributed=distributed, accelerator=accelerator, save=save, load=load, onnx=onnx,
        serialization=serialization, linalg=linalg, distributions=distributions,
        autograd=Namespace("torch.autograd", hint=" (glassnet.autograd.Function is the engine's "
                           "own, on NumPy arrays)", **grad_modes), __version__=VERSION)
    table = {space.__name__: space for space in (
        torch, torch_nn, functional, torch_nn.init, nn_utils, nn_utils.rnn, parallel,
        torch_nn.parameter, torch_optim, lr_scheduler, torch_optim.optimizer, utils, data,
        tensorboard, cuda, cuda_amp, backends, backends.mps, backends.cudnn, backends.cuda,
        matmul, amp, distributed, accelerator, torch.autograd, onnx, serialization, linalg,
        distributions, modules,
        *(getattr(modules, name) for name in MODULE_FILES))}
    for alias in ("dataloader", "dataset", "sampler"):  # torch.utils.data.dataloader.DataLoader
        table[f"torch.utils.data.{alias}"] = data
    return table


def _hidden(name):
    return name.split(".", 1)[0] in HIDDEN


class _Refuse(importlib.abc.MetaPathFinder):
    """Inside a binding, a torch submodule glassnet does not serve (or torchvision and the
    like) is a ModuleNotFoundError that says so, not an import of the real one. A package of
    your own by such a name (a torchvision stand-in beside your script, written on `torch`)
    is not a library built on the real PyTorch: it imports as usual."""

    def find_spec(self, name, path=None, target=None):
        if not _hidden(name):
            return
        top = name.split(".", 1)[0]
        if top == "torch":
            why = f"glassnet has no {name} (a PyTorch module it does not provide)"
        elif _is_own_package(top):
            return
        else:
            why = (f"{name} is a library built on the real PyTorch, not on glassnet; "
                   "glassnet.data has the datasets glassnet uses")
        raise ModuleNotFoundError(why, name=name)


def _is_own_package(top):
    """Whether the top-level module `top` found on sys.path is the user's own (not installed
    in a library folder)."""
    spec = importlib.machinery.PathFinder.find_spec(top)
    origin = spec and (spec.origin or next(iter(spec.submodule_search_locations or []), None))
    return bool(origin) and not os.path.abspath(origin).startswith(_library_folders())


def _library_folders():
    import glassnet

    paths = sysconfig.get_paths()
    folders = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    folders.add(os.path.dirname(os.path.abspath(glassnet.__file__)))
    return tuple(os.path.abspath(folder) + os.sep for folder in folders)


def _is_user_module(module, libraries):
    path = getattr(module, "__file__", None)
    return bool(path) and not os.path.abspath(path).startswith(libraries)


@contextlib.contextmanager
def bind():
    """Bind `torch` (and its submodules) to glassnet in sys.modules; yields the torch
    namespace. On exit the previous modules come back (the real torch, if it was imported)
    and modules of your own imported inside are forgotten."""
    table = namespaces()
    saved = {name: module for name, module in sys.modules.items() if _hidden(name)}
    for name in saved:
        del sys.modules[name]
    before = set(sys.modules)
    sys.modules.update(table)
    finder = _Refuse()
    sys.meta_path.insert(0, finder)
    try:
        yield table["torch"]
    finally:
        sys.meta_path.remove(finder)
        libraries = _library_folders()
        for name in [name for name in sys.modules if name not in before]:
            if _hidden(name) or _is_user_module(sys.modules[name], libraries):
                del sys.modules[name]
        sys.modules.update(saved)
