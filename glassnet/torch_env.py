"""Stand-ins for the machine around PyTorch, for torch_compat's namespaces: no accelerator, no
compiler, one process, checkpoints in glassnet's safe format.

Each behaves as PyTorch does on a machine without CUDA where PyTorch has such behaviour (a
disabled GradScaler passes everything through; CUDA autocast warns and does nothing), and is
an error that says why where it cannot work here (CPU autocast in bfloat16, distributed
training).
"""

import contextlib
import io
import os
import tempfile
import warnings


# ---- the machine around PyTorch: no accelerator, no compiler, one process ----
# (torch.device is glassnet.device, in creation.py)
def _nothing(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _zero(*args, **kwargs):
    return 0


def _refused(name, why):
    """A stand-in for a PyTorch function or class that cannot work here: it raises when used."""

    def refused(*args, **kwargs):
        raise RuntimeError(f"{name}: {why}")

    refused.__name__ = refused.__qualname__ = name.rsplit(".", 1)[-1]
    return refused


NO_CUDA = "glassnet computes with NumPy on the CPU; torch.cuda.is_available() is False"
ONE_PROCESS = "glassnet trains in one process; distributed training is not available"


class UnsupportedDtype:
    """torch.bfloat16, torch.float16 where glassnet has no such dtype: a script may name it
    (nanoGPT builds a table of dtypes), but making or casting a tensor with it is an error."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name} (glassnet computes in float32 and float64 only)"

    @property
    def dtype(self):  # what NumPy asks of anything passed as a dtype
        raise TypeError(f"glassnet computes in float32 and float64; torch.{self.name} is not "
                        "available")


def compile(model=None, **options):
    """torch.compile: glassnet has no compiler, so the model (or function) comes back as it is."""
    if model is None:  # used as @torch.compile(...)
        return lambda fn: fn
    return model


class GradScaler:
    """torch.amp.GradScaler on a machine without CUDA: PyTorch warns and disables it, and a
    disabled scaler passes everything through; so does this one."""

    def __init__(self, device="cuda", init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        if enabled:
            warnings.warn("GradScaler is enabled, but glassnet has no CUDA (float16 training). "
                          "Disabling.", stacklevel=2)

    def scale(self, outputs):
        return outputs

    def unscale_(self, optimizer):
        return None

    def step(self, optimizer, *args, **kwargs):
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None):
        return None

    def is_enabled(self):
        return False

    def get_scale(self):
        return 1.0

    def state_dict(self):
        return {}

    def load_state_dict(self, state_dict):
        return None


class autocast(contextlib.ContextDecorator):  # PyTorch's name
    """Mixed precision. For CUDA, absent here, PyTorch warns and disables it: so does this one.
    On the CPU it would change the numbers (bfloat16), which glassnet cannot: an error, unless
    enabled=False."""

    def __init__(self, device_type="cuda", dtype=None, enabled=True, cache_enabled=None):
        if enabled and str(device_type) != "cpu":
            warnings.warn(f"autocast for device_type {device_type!r}: glassnet has no such "
                          "device. Disabling.", stacklevel=2)
        elif enabled:
            raise RuntimeError("torch.autocast(device_type='cpu'): glassnet computes in float32 "
                               "or float64 only; pass enabled=False or use "
                               "contextlib.nullcontext()")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ---- checkpoints: glassnet's safe format, also through open files ----
def save(obj, f, *args, **kwargs):
    """torch.save: a glassnet checkpoint (.npz, no pickle) at a path or into an open file; a
    whole model is stored as its classes' names and its attributes (serialize_objects.py)."""
    from glassnet import serialize

    if not hasattr(f, "write"):
        return serialize.save(obj, f)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "checkpoint.npz")
        serialize.save(obj, path)
        with open(path, "rb") as file:
            f.write(file.read())
    return None


def load(f, map_location=None, weights_only=None, **kwargs):
    """torch.load of a glassnet checkpoint, from a path or an open file; a real PyTorch pickle
    is refused with the command that converts it (glassnet never unpickles)."""
    from glassnet import serialize

    if not hasattr(f, "read"):
        return serialize.load(f, map_location=map_location, weights_only=weights_only)
    data = f.read()
    with tempfile.TemporaryDirectory() as folder:
        name = os.path.basename(str(getattr(f, "name", "checkpoint.npz")))
        path = os.path.join(folder, name or "checkpoint.npz")
        with open(path, "wb") as file:
            file.write(data if isinstance(data, bytes) else io.BytesIO(data).getvalue())
        return serialize.load(path, map_location=map_location, weights_only=weights_only)
