"""gn.nn.functional, PyTorch's path to glassnet.functional (where the functions live): the
names of glassnet.functional and of its files for pooling, normalisation and losses."""

from glassnet import functional as _functional
from glassnet.functional import loss as _loss
from glassnet.functional import norm as _norm
from glassnet.functional import pooling as _pooling

for _module in (_functional, _loss, _norm, _pooling):
    globals().update(
        {name: value for name, value in vars(_module).items() if not name.startswith("_")
         and callable(value) and getattr(value, "__module__", "").startswith(
             "glassnet.functional")}
    )
