"""Dropout (Srivastava et al. 2014): in training, zero each element with probability p and
scale the survivors by 1/(1-p), so evaluation needs no rescaling. Dropout1d and Dropout2d zero
whole channels instead (Tompson et al. 2015), for inputs whose neighbouring positions are
correlated. Masks are drawn from glassnet.random, so a seeded run drops the same units."""

from glassnet import functional as F
from glassnet.functional import norm as N
from glassnet.nn.module import Module


class Dropout(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"{type(self).__name__}: probability has to be between 0 and 1, "
                             f"but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """Zero whole channels of (N, C, L) or (C, L)."""

    def forward(self, input):
        return N.dropout1d(input, self.p, self.training)


class Dropout2d(Dropout):
    """Zero whole channels of (N, C, H, W) or (C, H, W)."""

    def forward(self, input):
        return N.dropout2d(input, self.p, self.training)
