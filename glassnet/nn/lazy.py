"""Lazy layers (PyTorch's LazyLinear, LazyConv1d/2d, LazyBatchNorm1d/2d): the input size is
left out of the constructor and read from the first input, as d2l's models are written.

Until then the parameters are empty placeholders (and excluded from initialisation). The first
forward builds the ordinary layer for that input size, drawing its initial weights as its
constructor would, fills the placeholders in place (so an optimizer made earlier holds the
real parameters) and turns the module into that layer: after `net(x)`, `type(layer) is
nn.Linear`, as in PyTorch. Loading a state dict into a lazy layer sizes it from the dict.
"""

from glassnet.nn.conv import Conv1d, Conv2d
from glassnet.nn.linear import Linear
from glassnet.nn.norm import BatchNorm1d, BatchNorm2d
from glassnet.tensor import Tensor, _to_array


class _LazyMixin:
    cls_to_become = None

    def reset_parameters(self):
        """Nothing to initialise before the size is known (the real layer's runs later)."""

    def has_uninitialized_params(self):
        return True

    def initialize_parameters(self, *args):
        """Size the layer from an input, without running forward."""
        self._become(self._real(args[0]))

    def _become(self, real):
        """Take over real's state: its arrays into the placeholders (same Tensor objects),
        its other attributes, and its class."""
        for name, value in vars(real).items():
            mine = self.__dict__.get(name)
            if isinstance(mine, Tensor) and isinstance(value, Tensor):
                mine.array = _to_array(value)
            else:
                object.__setattr__(self, name, value)
        self.__dict__.pop("_lazy_dtype", None)
        self.__class__ = type(real)

    def forward(self, input, *args, **kwargs):
        self._become(self._real(input))
        return self.forward(input, *args, **kwargs)

    def _materialize_from_state(self, state_dict, prefix):
        """Size the layer from a state dict's entry for it, if there is one."""
        for key in self._size_keys:
            if prefix + key in state_dict:
                shape = tuple(state_dict[prefix + key].shape)
                self._become(self._real_of_size(self._size_of(shape)))
                return

    def _real(self, input):
        return self._real_of_size(self._size_from_input(input))


class LazyLinear(_LazyMixin, Linear):
    """Linear with in_features taken from the first input's last dim."""

    cls_to_become = Linear
    _size_keys = ("weight",)

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, out_features, bias, device, dtype)

    def _size_from_input(self, input):
        return input.shape[-1]

    def _size_of(self, weight_shape):
        return weight_shape[1]

    def _real_of_size(self, in_features):
        return Linear(in_features, self.out_features, self.bias is not None,
                      dtype=self.weight.dtype)


class _LazyConv(_LazyMixin):
    _size_keys = ("weight",)

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)

    def _size_from_input(self, input):
        batched = input.ndim == self.dims + 2
        return input.shape[1 if batched else 0]

    def _size_of(self, weight_shape):
        return weight_shape[1] * self.groups

    def _real_of_size(self, in_channels):
        return self.cls_to_become(in_channels, self.out_channels, self.kernel_size, self.stride,
                                  self.padding, self.dilation, self.groups,
                                  self.bias is not None, self.padding_mode,
                                  dtype=self.weight.dtype)


class LazyConv1d(_LazyConv, Conv1d):
    """Conv1d with in_channels taken from the first input."""

    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    """Conv2d with in_channels taken from the first input."""

    cls_to_become = Conv2d


class _LazyBatchNorm(_LazyMixin):
    _size_keys = ("running_mean", "weight")

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, bias=True):
        super().__init__(0, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)
        self._lazy_dtype = dtype

    def _size_from_input(self, input):
        return input.shape[1]

    def _size_of(self, shape):
        return shape[0]

    def _real_of_size(self, num_features):
        dtype = next((t.dtype for t in (self.weight, self.running_mean) if t is not None),
                     self._lazy_dtype)
        return self.cls_to_become(num_features, self.eps, self.momentum, self.affine,
                                  self.track_running_stats, dtype=dtype,
                                  bias=self.bias is not None or not self.affine)


class LazyBatchNorm1d(_LazyBatchNorm, BatchNorm1d):
    """BatchNorm1d with num_features taken from the first input's dim 1."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyBatchNorm, BatchNorm2d):
    """BatchNorm2d with num_features taken from the first input's dim 1."""

    cls_to_become = BatchNorm2d
