"""gn.nn: layers with PyTorch's names, signatures, parameter names and initialisations."""

from glassnet import init
from glassnet.nn import functional
from glassnet.nn.module import Module, ModuleDict, ModuleList, Parameter, Sequential

# layers (linear, conv, norm, activation, loss, dropout, sparse): see those files
# sequence layers (recurrent, attention, transformer): see those files
# utils (clip_grad_norm_)
