"""A recurrent network that reads a whole sequence and classifies it from its last hidden state:

    h_t = cell(x_t, h_(t-1))   for t = 0 .. T,    logits = W h_T + b

with a plain (Elman 1990) tanh RNN cell, h_t = tanh(W_ih x_t + W_hh h_(t-1) + b), or an LSTM
cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers, Schmidhuber & Cummins 2000),
whose cell state moves through time as c_t = f_t * c_(t-1) + i_t * g_t: an elementwise gate,
not a matrix product, between one step and the next, so the gradient reaching an early step is
multiplied by the forget gates (which the network can hold near 1) instead of by W_hh and a
tanh slope at every step (Hochreiter 1991; Bengio, Simard & Frasconi 1994).

Forget-gate init. PyTorch's default draws every LSTM bias from U(-1/sqrt(H), 1/sqrt(H)), so
f ~ sigmoid(0) = 1/2 and the cell keeps half of itself per step: (1/2)^50 ~ 1e-15 of it after
50 steps. `memory` > 0 sets the forget-gate bias to log(memory) and the input-gate bias to
-log(memory): the cell then keeps f = memory / (1 + memory) of itself per step, a memory of
about `memory` steps, and lets little in unless the input asks for it. This is the constant
form of the chrono initialisation (Tallec & Ollivier, "Can recurrent neural networks warp
time?", ICLR 2018), which draws log(U[1, T - 1]) per unit; the 1997 LSTM had no forget gate,
i.e. f = 1.
"""

import math
from dataclasses import dataclass

from glassnet import init, nn
from glassnet.models.config import build_config

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@dataclass
class RNNClassifierConfig:
    input_size: int = 9  # features per step: 8 one-hot symbols + 1 marker (data.recall_first)
    hidden_size: int = 64
    classes: int = 8
    cell: str = "lstm"  # a key of CELLS
    memory: float = 0.0  # LSTM only: > 0 opens the forget gate for ~memory steps (module doc)

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ValueError(f"RNNClassifierConfig: cell must be one of {', '.join(CELLS)}, got "
                             f"{self.cell!r}")
        sizes = (self.input_size, self.hidden_size, self.classes)
        if any(not isinstance(s, int) or s < 1 for s in sizes) or self.memory < 0:
            raise ValueError(f"RNNClassifierConfig: sizes must be positive ints and memory >= 0, "
                             f"got {self}")
        if self.memory and self.cell != "lstm":
            raise ValueError(f"RNNClassifierConfig: memory= sets LSTM gate biases; the "
                             f"{self.cell!r} cell has none to set")


class RNNClassifier(nn.Module):
    """rnn (batch_first) then head on the last step: (B, T, input_size) -> (B, classes)."""

    def __init__(self, config=None, **overrides):
        super().__init__()
        self.config = config = build_config(RNNClassifierConfig, config, overrides, "RNNClassifier")
        self.rnn = CELLS[config.cell](config.input_size, config.hidden_size, batch_first=True)
        self.head = nn.Linear(config.hidden_size, config.classes)
        if config.memory:
            open_forget_gate_(self.rnn, math.log(config.memory))

    def forward(self, x):
        states, _ = self.rnn(x)  # (B, T, H)
        return self.head(states[:, -1])  # (B, classes)


def open_forget_gate_(lstm, bias):
    """Forget-gate bias `bias` and input-gate bias -`bias` (gates in PyTorch's order i, f, g, o;
    the two bias vectors add, so b_ih carries the value and b_hh is zeroed)."""
    hidden = lstm.hidden_size
    for name in ("bias_ih_l0", "bias_hh_l0"):
        init.zeros_(getattr(lstm, name))
    lstm.bias_ih_l0.array[:hidden] = -bias
    lstm.bias_ih_l0.array[hidden : 2 * hidden] = bias
