"""The Tensor methods that convert: dtypes (type, to, float, double, long...), the device (the
CPU, the only one), and leaving the graph (item, numpy, tolist, float(), bool()). Tensor
(tensor.py) inherits them; how a tensor prints is functional/printing.py's. The dtype constants
live here because tensor.py, creation.py and the layers use them.
"""

from functools import partialmethod

import numpy as np

from glassnet.ops import elementwise as ew

float32, float64 = np.dtype("float32"), np.dtype("float64")
int64, int32, bool_ = np.dtype("int64"), np.dtype("int32"), np.dtype("bool")
_default = [float32]  # torch.set_default_dtype's (creation.py): Python floats, new float tensors


def default_dtype():
    return _default[0]

_KIND = {"b": 0, "u": 1, "i": 1, "f": 2}  # PyTorch's promotion categories


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def type_name(dtype):
    """PyTorch's name for a tensor type: float32 -> FloatTensor."""
    return _TYPE_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name) + "Tensor"


def _is_float(dtype):
    return np.issubdtype(dtype, np.floating)


def result_type(*dtypes):
    """PyTorch's promotion: the highest kind (bool < integer < float) wins, then the widest."""
    top = max(_KIND[np.dtype(d).kind] for d in dtypes)
    return np.result_type(*[d for d in dtypes if _KIND[np.dtype(d).kind] == top])


def _to_array(value, dtype=None):
    """Python data -> ndarray of dtype, or with PyTorch's defaults: floats in the default dtype
    (float32), ints int64."""
    if isinstance(value, ConvertMethods):
        array = value.array
    elif isinstance(value, np.ndarray):
        array = value
    elif dtype is not None:  # straight to it: 0.1 as float64 is not 0.1 rounded to float32
        return np.array(value, dtype=dtype)
    else:
        array = np.array(value)
        if array.dtype == float64:
            array = array.astype(default_dtype())
        elif np.issubdtype(array.dtype, np.integer):
            array = array.astype(int64)
    return array if dtype is None else array.astype(dtype, copy=False)


def _index_key(key):
    """Tensors, lists and ranges inside an index become arrays; the rest is NumPy's indexing."""
    if isinstance(key, tuple):
        return tuple(_index_key(part) for part in key)
    if isinstance(key, ConvertMethods):
        return key.array
    return np.asarray(key) if isinstance(key, (list, range)) else key


def check_device(device):
    """glassnet computes with NumPy, on the CPU: device may be None or "cpu"."""
    if device is not None and str(device).split(":")[0] != "cpu":
        raise ValueError(f"glassnet runs on the CPU (NumPy) only, got device={device!r}; "
                         f"expected None or 'cpu'")


def dtype_and_device(args, dtype=None, device=None):
    """The dtype asked for by to()'s arguments (a dtype, a device name, another tensor, in any
    order), None if none; a device other than the CPU is an error, not a silent no-op."""
    for arg in args:
        if isinstance(arg, ConvertMethods):
            dtype = arg.dtype
        elif arg is not None:
            try:
                dtype = np.dtype(arg)
            except TypeError:  # not a dtype: a device
                device = arg
    check_device(device)
    return dtype


class ConvertMethods:
    __slots__ = ()  # Tensor's own __slots__ stay in force

    # ---- leaving the graph ----
    def item(self):
        if self.array.size != 1:
            raise RuntimeError(f"item(): needs a tensor with one element, got shape {self.shape}")
        return self.array.item()

    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("numpy(): the tensor requires grad; use tensor.detach().numpy()")
        return self.array

    def tolist(self):
        return self.array.tolist()

    def __array__(self, dtype=None, copy=None):
        array = self.array if dtype is None else self.array.astype(dtype)
        return array.copy() if copy else array

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if not np.issubdtype(self.dtype, np.integer):
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            raise RuntimeError(f"Boolean value of a tensor of {self.numel()} elements is ambiguous")
        return bool(self.array)

    # ---- dtype and device ----
    def type(self, dtype=None):
        """type(dtype) converts; type() names the type, as PyTorch: 'torch.FloatTensor'."""
        if dtype is None:
            return "torch." + type_name(self.dtype)
        if isinstance(dtype, str) and dtype.endswith("Tensor"):  # type('torch.LongTensor')
            names = {type_name(name): name for name in _TYPE_NAMES}
            dtype = names[dtype.rsplit(".", 1)[-1]]
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self
        if self.requires_grad and _is_float(dtype):
            return ew.cast(self, dtype)
        return self._make(self.array.astype(dtype))

    def to(self, *args, dtype=None, device=None, **kwargs):
        """to(dtype), to(device), to(device, dtype), to(other tensor), as PyTorch."""
        dtype = dtype_and_device(args, dtype, device)
        return self if dtype is None else self.type(dtype)

    float = partialmethod(type, float32)
    double = partialmethod(type, float64)
    long = partialmethod(type, int64)
    int = partialmethod(type, int32)
    bool = partialmethod(type, bool_)

    def type_as(self, other):
        return self.type(other.dtype)

    def contiguous(self, memory_format=None):
        """self if its memory is in row-major order already, else a copy that is."""
        return self if self.array.flags.c_contiguous else self.clone()

    def cpu(self):
        return self
