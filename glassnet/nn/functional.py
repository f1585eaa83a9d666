"""gn.nn.functional, PyTorch's path to glassnet.functional (where the functions live): the
names of glassnet.functional and of its files for activations, pooling, normalisation and
losses."""

from glassnet import functional as _functional
from glassnet.functional import activation as _activation
from glassnet.functional import layers as _layers
from glassnet.functional import loss as _loss
from glassnet.functional import margin as _margin
from glassnet.functional import norm as _norm
from glassnet.functional import pooling as _pooling

for _module in (_functional, _activation, _layers, _loss, _margin, _norm, _pooling):
    globals().update(
        {name: value for name, value in vars(_module).items() if not name.startswith("_")
         and callable(value) and getattr(value, "__module__", "").startswith(
             "glassnet.functional")}
    )
