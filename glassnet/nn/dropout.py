"""Dropout (Srivastava et al. 2014): in training, zero each element with probability p and
scale the survivors by 1/(1-p), so evaluation needs no rescaling. The mask is drawn from
glassnet.random, so a seeded run drops the same units."""

from glassnet import functional as F
from glassnet.nn.module import Module


class Dropout(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
