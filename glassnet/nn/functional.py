"""gn.nn.functional, PyTorch's path to glassnet.functional (where the functions live)."""

from glassnet import functional as _functional

globals().update(
    {name: value for name, value in vars(_functional).items() if not name.startswith("_")
     and callable(value) and getattr(value, "__module__", "").startswith("glassnet.functional")}
)
