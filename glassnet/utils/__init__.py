"""gn.utils: PyTorch's torch.utils path; `gn.utils.data` holds Dataset, DataLoader and samplers."""

from glassnet.utils import data

__all__ = ["data"]
