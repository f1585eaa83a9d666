"""gn.optim: optimizers and learning-rate schedules with PyTorch's names and update rules."""

from glassnet.optim import lr_scheduler
from glassnet.optim.adadelta import Adadelta
from glassnet.optim.adagrad import Adagrad
from glassnet.optim.adam import Adam, AdamW
from glassnet.optim.lbfgs import LBFGS
from glassnet.optim.nadam import NAdam
from glassnet.optim.optimizer import Optimizer
from glassnet.optim.rmsprop import RMSprop
from glassnet.optim.sgd import SGD

__all__ = ["LBFGS", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "NAdam", "Optimizer",
           "RMSprop", "lr_scheduler"]
