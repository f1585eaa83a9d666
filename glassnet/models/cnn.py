"""A small convolutional network for 16x16 digits: conv-pool-conv-pool-linear, LeNet's plan.

    x (B, 1, 16, 16) -> conv 3x3 (pad 1) -> ReLU -> max-pool 2x2  (B, C1, 8, 8)
                     -> conv 3x3 (pad 1) -> ReLU -> max-pool 2x2  (B, C2, 4, 4)
                     -> flatten -> linear                         (B, 10) logits

A convolution slides one small kernel over every position of the image, so a layer has
C_out x C_in x k x k weights however large the image is, where a dense layer producing the same
C_out x H x W outputs would need one weight per input pixel for each of them: weight sharing.
Pooling keeps the largest response of each 2x2 window and halves the resolution, so a feature
moved by a pixel inside the window gives the same output, and each later unit sees a larger
patch of the digit.

The plan is LeCun et al.'s: "Backpropagation applied to handwritten zip code recognition"
(Neural Computation, 1989) trained shared-weight convolution layers by backpropagation on 16x16
digits; LeNet-5 (LeCun, Bottou, Bengio & Haffner, "Gradient-based learning applied to document
recognition", Proc. IEEE 1998) alternates convolutions with subsampling layers. Those layers
were trainable averages followed by a sigmoid-like squashing; the max-pooling and ReLUs used
here are the later, now standard choices (max pooling: e.g. Jarrett et al. 2009, Scherer,
Mueller & Behnke 2010; ReLU: Nair & Hinton 2010, Krizhevsky et al. 2012). As in PyTorch the
"convolution" is a cross-correlation: the kernel is not flipped, which changes nothing for a
learned kernel. Fukushima's Neocognitron (1980) had the same alternation of feature detectors
and pooling-like layers, without backpropagation.
"""

from collections import OrderedDict
from dataclasses import dataclass

from glassnet import nn
from glassnet.models.config import build_config


@dataclass
class CNNConfig:
    in_channels: int = 1
    image_size: int = 16  # square inputs; divisible by 4 (two 2x2 poolings)
    channels: tuple = (8, 16)  # output channels of the two convolutions
    kernel_size: int = 3  # odd: padding (k - 1) / 2 keeps the size
    classes: int = 10

    def __post_init__(self):
        self.channels = tuple(self.channels)
        sizes = (self.in_channels, self.image_size, *self.channels, self.kernel_size,
                 self.classes)
        if len(self.channels) != 2 or any(not isinstance(s, int) or s < 1 for s in sizes):
            raise ValueError(f"CNNConfig: in_channels, image_size, two channels, kernel_size and "
                             f"classes must be positive ints, got {self}")
        if self.image_size % 4 or self.kernel_size % 2 == 0:
            raise ValueError(f"CNNConfig: image_size must be divisible by 4 and kernel_size odd, "
                             f"got image_size={self.image_size}, kernel_size={self.kernel_size}")


class CNN(nn.Module):
    """conv1, relu1, pool1, conv2, relu2, pool2, flatten, head: named so that a Trace reads like
    the diagram (``layers.conv1``, ``layers.pool2``, ...) and ``features(x, depth)`` returns the
    output of the first `depth` layers."""

    def __init__(self, config=None, **overrides):
        super().__init__()
        self.config = config = build_config(CNNConfig, config, overrides, "CNN")
        (c1, c2), k = config.channels, config.kernel_size
        side = config.image_size // 4
        self.layers = nn.Sequential(OrderedDict(
            conv1=nn.Conv2d(config.in_channels, c1, k, padding=k // 2),
            relu1=nn.ReLU(),
            pool1=nn.MaxPool2d(2),
            conv2=nn.Conv2d(c1, c2, k, padding=k // 2),
            relu2=nn.ReLU(),
            pool2=nn.MaxPool2d(2),
            flatten=nn.Flatten(),
            head=nn.Linear(c2 * side * side, config.classes),
        ))

    def forward(self, x):
        return self.layers(x)  # (B, C, S, S) -> (B, classes)

    def features(self, x, depth):
        """The output of the first `depth` layers (1 = conv1, 4 = conv2, 8 = the logits)."""
        for layer in list(self.layers)[:depth]:
            x = layer(x)
        return x


def dense_equivalent_parameters(in_shape, out_shape):
    """Weights + biases of a fully connected layer mapping a (C, H, W) input to a (C', H', W')
    output: what a convolution producing the same output costs without weight sharing."""
    inputs = in_shape[0] * in_shape[1] * in_shape[2]
    outputs = out_shape[0] * out_shape[1] * out_shape[2]
    return inputs * outputs + outputs
