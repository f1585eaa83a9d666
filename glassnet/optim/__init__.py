"""gn.optim: optimizers and learning-rate schedules with PyTorch's names and update rules."""

from glassnet.optim import lr_scheduler
from glassnet.optim.adam import Adam, AdamW
from glassnet.optim.optimizer import Optimizer
from glassnet.optim.rmsprop import RMSprop
from glassnet.optim.sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
