"""The multilayer perceptron: images flattened to vectors, then fully connected layers with a
nonlinearity between them, ending in one output per class (logits).

    h_0 = flatten(x),  h_l = act(W_l h_(l-1) + b_l)  for each hidden layer,  logits = W_out h_L + b_out

Rumelhart, Hinton & Williams, "Learning representations by back-propagating errors" (1986)
trained such nets by backpropagation; Cybenko (1989) and Hornik (1991) showed that one hidden
layer with a squashing nonlinearity can approximate any continuous function. The defaults fit
digits16: a 16x16 digit is 256 numbers in, 10 logits out.
"""

from collections import OrderedDict
from dataclasses import dataclass

from glassnet import nn
from glassnet.models.config import build_config

ACTIVATIONS = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "softplus": nn.Softplus,
    "step": nn.Step,
    "identity": nn.Identity,
}


@dataclass
class MLPConfig:
    in_features: int = 256  # a flattened 16x16 digit
    hidden: tuple = (128, 64)  # the width of each hidden layer, input side first
    out_features: int = 10  # one logit per class
    activation: str = "relu"  # a key of ACTIVATIONS
    dropout: float = 0.0  # after each hidden activation when > 0 (Srivastava et al. 2014)

    def __post_init__(self):
        self.hidden = tuple(self.hidden)
        sizes = (self.in_features, *self.hidden, self.out_features)
        if any(not isinstance(size, int) or isinstance(size, bool) or size < 1 for size in sizes):
            raise ValueError(
                f"MLPConfig: in_features, hidden and out_features must be positive ints, got "
                f"in_features={self.in_features!r}, hidden={self.hidden!r}, "
                f"out_features={self.out_features!r}"
            )
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"MLPConfig: unknown activation {self.activation!r}; expected one of "
                f"{', '.join(ACTIVATIONS)}"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"MLPConfig: dropout must be in [0, 1), got {self.dropout!r}")


class MLP(nn.Module):
    """Flatten, then (Linear, activation[, Dropout]) per hidden layer, then a Linear head.

    The layers are named so a trace reads like the diagram: ``layers.flatten``,
    ``layers.fc1``, ``layers.act1``, ..., ``layers.head`` (state-dict keys such as
    ``layers.fc1.weight``)."""

    def __init__(self, config=None, **overrides):
        super().__init__()
        self.config = config = build_config(MLPConfig, config, overrides, "MLP")
        blocks = OrderedDict(flatten=nn.Flatten())
        width = config.in_features
        for i, hidden_size in enumerate(config.hidden, start=1):
            blocks[f"fc{i}"] = nn.Linear(width, hidden_size)
            blocks[f"act{i}"] = ACTIVATIONS[config.activation]()
            if config.dropout > 0:
                blocks[f"drop{i}"] = nn.Dropout(config.dropout)
            width = hidden_size
        blocks["head"] = nn.Linear(width, config.out_features)
        self.layers = nn.Sequential(blocks)

    def forward(self, x):
        return self.layers(x)  # (B, ...) -> (B, in_features) -> (B, out_features)
