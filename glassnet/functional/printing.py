"""How a tensor prints: ``tensor([1.0000, 2.5000], requires_grad=True)``, as PyTorch prints it,
and torch.set_printoptions to change it. Attached to Tensor as __repr__ (functional/methods.py)."""

import numpy as np

from glassnet.tensor_convert import bool_, default_dtype, int64

DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
PROFILES = {"default": DEFAULTS, "short": {"precision": 2, "threshold": 1000, "edgeitems": 2},
            "full": {"threshold": np.inf}}
OPTIONS = dict(DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """PyTorch's print options: digits after the point, how many elements before a summary
    (...), how many at each end of a summarised dim, the line width; profile "default",
    "short" or "full" sets several; sci_mode True or False forces or forbids 1.0e+00 notation
    (None: NumPy chooses)."""
    if profile is not None:
        if profile not in PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(PROFILES)}, got "
                             f"{profile!r}")
        OPTIONS.update(DEFAULTS, **PROFILES[profile])
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems,
             "linewidth": linewidth}
    OPTIONS.update({name: value for name, value in given.items() if value is not None})
    OPTIONS["sci_mode"] = sci_mode


def get_printoptions():
    return dict(OPTIONS)


def tensor_repr(self):
    """PyTorch's form: whole floats as 1., 2.; others with `precision` digits; the dtype when
    it is not the default (float32), int64 or bool; the graph's last op or requires_grad."""
    array = self.array
    finite = array[np.isfinite(array)] if array.dtype.kind == "f" else array
    whole = finite.size == 0 or bool(np.all(finite == np.round(finite)))
    mode = "maxprec_equal" if whole else "fixed"  # PyTorch's: 1., 2. or 1.0000, 2.5000
    sci = OPTIONS["sci_mode"]
    formatter = {"float_kind": f"{{:.{OPTIONS['precision']}e}}".format} if sci else None
    body = np.array2string(array, separator=", ", prefix="tensor(", floatmode=mode,
                           precision=OPTIONS["precision"], threshold=OPTIONS["threshold"],
                           edgeitems=OPTIONS["edgeitems"], max_line_width=OPTIONS["linewidth"],
                           suppress_small=sci is False, formatter=formatter)
    extra = "" if self.dtype in (default_dtype(), int64, bool_) else f", dtype={self.dtype}"
    if self._ctx is not None:
        extra += f", grad_fn=<{self._ctx.fn.__name__}Backward>"
    elif self.requires_grad:
        extra += ", requires_grad=True"
    return f"tensor({body}{extra})"
