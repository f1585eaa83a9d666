"""Residual networks: each block adds its output to its input, so the signal (and, backwards, the
gradient) has a path through the whole stack that no weight multiplies.

    h_0 = stem(flatten(x)),  h_l = h_(l-1) + F_l(h_(l-1)),  logits = head(h_L)
    F_l(h) = W2 relu(W1 h + b1) + b2

Differentiating, dL/dh_(l-1) = dL/dh_l (I + dF_l/dh): the identity carries the gradient from the
loss to the first layer however deep the stack, where a plain stack multiplies it by one
Jacobian per layer. He, Zhang, Ren & Sun, "Deep residual learning for image recognition"
(CVPR 2016; arXiv 2015) introduced these skip connections; "Identity mappings in deep residual
networks" (ECCV 2016) argued for keeping the skip path a pure identity, as here.

Scale. A sum of L blocks grows with L unless each block starts small. Here the second layer of
each block starts at zero (so every block starts as the identity and the first weight layer of
each block is He-initialised: He et al. 2015, "Delving deep into rectifiers"), the standard
alternative to normalisation layers (Goyal et al. 2017 zero-initialise the last BatchNorm scale
of each block; Fixup, Zhang, Dauphin & Ma 2019, the last layer itself).

ResidualBlock is the MLP block; ConvResidualBlock is the same idea with 3x3 convolutions on
(B, C, H, W) feature maps (ResNet's basic block without BatchNorm), for convolutional models.
"""

from collections import OrderedDict
from dataclasses import dataclass

from glassnet import init, nn


@dataclass
class ResMLPConfig:
    in_features: int = 256  # a flattened 16x16 digit
    width: int = 64  # the residual stream's width
    blocks: int = 10  # residual blocks of two weight layers each
    out_features: int = 10
    zero_init: bool = True  # start each block's last layer at zero (each block the identity)

    def __post_init__(self):
        sizes = (self.in_features, self.width, self.out_features)
        if any(not isinstance(s, int) or s < 1 for s in sizes) or self.blocks < 0:
            raise ValueError(f"ResMLPConfig: in_features, width and out_features must be positive "
                             f"ints and blocks >= 0, got {self}")


def he_init_(linear):
    """He (Kaiming) normal init for a layer followed by a ReLU: std sqrt(2 / fan_in), bias 0."""
    init.kaiming_normal_(linear.weight, nonlinearity="relu")
    if linear.bias is not None:
        init.zeros_(linear.bias)


class ResidualBlock(nn.Module):
    """h + fc2(relu(fc1(h))) on (B, width)."""

    def __init__(self, width, zero_init=True):
        super().__init__()
        self.fc1 = nn.Linear(width, width)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(width, width)
        he_init_(self.fc1)
        if zero_init:
            init.zeros_(self.fc2.weight)
            init.zeros_(self.fc2.bias)

    def forward(self, h):
        return h + self.fc2(self.act(self.fc1(h)))  # (B, width)


class ConvResidualBlock(nn.Module):
    """h + conv2(relu(conv1(h))) on (B, C, H, W), both convolutions 3x3 with padding 1, then a
    ReLU, as ResNet's basic block (He et al. 2015) without its BatchNorm layers."""

    def __init__(self, channels, zero_init=True):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.act1 = nn.ReLU()
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.act2 = nn.ReLU()
        he_init_(self.conv1)
        if zero_init:
            init.zeros_(self.conv2.weight)
            init.zeros_(self.conv2.bias)

    def forward(self, h):
        return self.act2(h + self.conv2(self.act1(self.conv1(h))))  # (B, C, H, W)


class ResMLP(nn.Module):
    """Flatten, stem Linear(in, width), `blocks` ResidualBlocks, head Linear(width, out).

    Named for a Trace: ``stem``, ``blocks.0.fc1`` ... ``blocks.(L-1).fc2``, ``head``. The
    gradient reaching ``blocks.l.fc2``'s output is the gradient reaching the stream after block
    l, since the block adds that output to the stream unchanged."""

    def __init__(self, config=None, **overrides):
        super().__init__()
        if config is None:
            config = ResMLPConfig(**overrides)
        elif overrides:
            raise TypeError("ResMLP: pass either a config or keyword overrides, not both")
        self.config = config
        self.flatten = nn.Flatten()
        self.stem = nn.Linear(config.in_features, config.width)
        he_init_(self.stem)
        self.blocks = nn.Sequential(OrderedDict(
            (str(i), ResidualBlock(config.width, config.zero_init)) for i in range(config.blocks)))
        self.head = nn.Linear(config.width, config.out_features)

    def forward(self, x):
        h = self.stem(self.flatten(x))  # (B, width)
        return self.head(self.blocks(h))  # (B, out_features)
