"""Recurrent layers: RNN (Elman 1990), LSTM (Hochreiter & Schmidhuber 1997, with the forget
gate of Gers et al. 2000) and GRU (Cho et al. 2014), as one-step cells and as whole-sequence
layers that stack and run both ways. Parameter names, shapes, gate order and initialisation
are PyTorch's, so a state dict moves between the two unchanged.

    RNN   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)                (or relu)
    LSTM  i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of (W_ih x + b_ih + W_hh h + b_hh)
          c' = f * c + i * g,   h' = o * tanh(c')
    GRU   r, z = sigmoid(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z})
          n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),   h' = (1 - z) * n + z * h

The input half of each product does not depend on the previous step, so a layer computes it
for all time steps with one matrix product; the time loop only multiplies by W_hh. A layer
also takes a PackedSequence (nn.utils.rnn): each sequence then runs for its own length, its
state frozen after its end (and, going backwards, held at h_0 until its end).
"""

import math
import warnings

import numpy as np

from glassnet import functional as F
from glassnet import init
from glassnet.creation import cat, stack, where, zeros
from glassnet.nn.module import Module, Parameter
from glassnet.nn.utils.rnn import PackedSequence, pad_packed_sequence
from glassnet.ops import fused
from glassnet.tensor import Tensor


# ---- one time step: x_proj = W_ih x + b_ih is already computed ----
def _rnn_tanh_step(x_proj, h, weight_hh, bias_hh):
    return (x_proj + F.linear(h, weight_hh, bias_hh)).tanh()  # (B, H)


def _rnn_relu_step(x_proj, h, weight_hh, bias_hh):
    return (x_proj + F.linear(h, weight_hh, bias_hh)).relu()  # (B, H)


def _lstm_step(x_proj, state, weight_hh, bias_hh):
    h, c = state
    gates = x_proj + F.linear(h, weight_hh, bias_hh)  # (B, 4H)
    i, f, g, o = gates.chunk(4, -1)  # each (B, H)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    return h, c


def _gru_step(x_proj, h, weight_hh, bias_hh):
    x_r, x_z, x_n = x_proj.chunk(3, -1)  # each (B, H)
    h_r, h_z, h_n = F.linear(h, weight_hh, bias_hh).chunk(3, -1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return n + z * (h - n)  # (1 - z) * n + z * h


_STEPS = {"RNN_TANH": _rnn_tanh_step, "RNN_RELU": _rnn_relu_step, "LSTM": _lstm_step,
          "GRU": _gru_step}
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _rnn_mode(nonlinearity):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
    return "RNN_" + nonlinearity.upper()


def _time_steps(x):
    """x (L, ...) as the list [x[0], ..., x[L-1]], split by halves: each slice's gradient is
    an array of its parent's size, so slicing x[t] directly would cost O(L^2) in backward and
    halving costs O(L log L)."""
    if x.shape[0] == 1:
        return [x[0]]
    half = x.shape[0] // 2
    return _time_steps(x[:half]) + _time_steps(x[half:])


def _hidden(state):
    """h of a state: the state itself (RNN, GRU) or the first of (h, c) (LSTM)."""
    return state[0] if isinstance(state, tuple) else state


def _check_input(name, input, dims, input_size, batched_layout, dtype):
    if input.dtype != dtype:
        raise RuntimeError(f"{name}: input dtype {input.dtype} differs from the layer's dtype "
                           f"{dtype}; convert the input, e.g. x.float()")
    if input.ndim not in dims:
        raise ValueError(f"{name}: expected input of shape {batched_layout} or unbatched, "
                         f"{dims[0]}-D, got {input.ndim}-D input of shape {tuple(input.shape)}")
    if input.shape[-1] != input_size:
        raise RuntimeError(f"{name}: expected input of shape {batched_layout} (last dim = "
                           f"input_size), got {tuple(input.shape)}")


def _checked_states(name, hx, lstm, expected, dtype):
    """hx as a list [h] or [h, c], each checked to have the expected shape and dtype; a list of
    Nones when hx is None."""
    if hx is None:
        return [None, None] if lstm else [None]
    if lstm and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
        raise ValueError(f"{name}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
    if not lstm and isinstance(hx, (tuple, list)):
        raise ValueError(f"{name}: hx must be one tensor h_0 (only the LSTM takes (h_0, c_0))")
    parts = list(hx) if lstm else [hx]
    for part, label in zip(parts, ("h_0", "c_0")):
        if tuple(part.shape) != tuple(expected):
            raise RuntimeError(f"{name}: expected {label} of shape {tuple(expected)}, "
                               f"got {tuple(part.shape)}")
        if part.dtype != dtype:
            raise RuntimeError(f"{name}: {label} dtype {part.dtype} differs from the input's "
                               f"{dtype}")
    return parts


def _check_sizes(input_size, hidden_size):
    if not (isinstance(hidden_size, int) and hidden_size > 0):
        raise ValueError(f"hidden_size must be an integer greater than zero, got {hidden_size!r}")
    if not (isinstance(input_size, int) and input_size >= 0):
        raise ValueError(f"input_size must be a non-negative integer, got {input_size!r}")


class _CellBase(Module):
    """One time step. Parameters weight_ih (G*H, in), weight_hh (G*H, H), bias_ih, bias_hh (G*H)
    with G gates stacked in PyTorch's order, all drawn from U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size, hidden_size, bias, mode, device=None, dtype=None):
        super().__init__()
        _check_sizes(input_size, hidden_size)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.mode = mode
        rows, new = _GATES[mode] * hidden_size, {"device": device, "dtype": dtype}
        self.weight_ih = Parameter(zeros(rows, input_size, **new))
        self.weight_hh = Parameter(zeros(rows, hidden_size, **new))
        self.bias_ih = Parameter(zeros(rows, **new)) if bias else None
        self.bias_hh = Parameter(zeros(rows, **new)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def forward(self, input, hx=None):
        name = type(self).__name__
        _check_input(name, input, (1, 2), self.input_size, f"(B, {self.input_size})",
                     self.weight_ih.dtype)
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)  # (B, in)
        expected = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        states = _checked_states(name, hx, self.mode == "LSTM", expected, input.dtype)
        if hx is None:
            states = [zeros(x.shape[0], self.hidden_size, dtype=input.dtype)] * len(states)
        elif not batched:
            states = [s.unsqueeze(0) for s in states]  # (1, H)
        state = tuple(states) if self.mode == "LSTM" else states[0]
        x_proj = F.linear(x, self.weight_ih, self.bias_ih)  # (B, G*H)
        state = _STEPS[self.mode](x_proj, state, self.weight_hh, self.bias_hh)
        if batched:
            return state
        if isinstance(state, tuple):
            return tuple(s.squeeze(0) for s in state)
        return state.squeeze(0)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, _rnn_mode(nonlinearity), device, dtype)
        self.nonlinearity = nonlinearity


class LSTMCell(_CellBase):
    """forward(input, (h, c)) -> (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, "LSTM", device, dtype)


class GRUCell(_CellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, "GRU", device, dtype)


class _RNNBase(Module):
    """A stack of num_layers recurrent layers over a whole sequence, optionally bidirectional.

    Input (L, B, in), (B, L, in) with batch_first, or unbatched (L, in). Output (L, B, D*H):
    the last layer's h at each step, the forward and reverse directions side by side. h_n is
    (num_layers*D, B, H), the final h of each layer and direction (layer-major)."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__()
        _check_sizes(input_size, hidden_size)
        if not (isinstance(num_layers, int) and num_layers > 0):
            raise ValueError(f"num_layers must be an integer greater than zero, got {num_layers!r}")
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(f"dropout should be a number in range [0, 1], got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"dropout={dropout} acts between layers, so with num_layers=1 it does "
                          "nothing", stacklevel=3)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        directions = 2 if bidirectional else 1
        rows, new = _GATES[mode] * hidden_size, {"device": device, "dtype": dtype}
        # set in PyTorch's order, which the attribute walk keeps: the state-dict keys match
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                shapes = {"weight_ih": (rows, layer_input), "weight_hh": (rows, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(rows,), bias_hh=(rows,))
                for name, shape in shapes.items():
                    setattr(self, f"{name}_l{layer}{suffix}", Parameter(zeros(*shape, **new)))
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self):
        """PyTorch packs the weights into one block for cuDNN; NumPy needs no such thing."""

    def _weights(self, layer, suffix):
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        return [getattr(self, f"{name}_l{layer}{suffix}", None) for name in names]

    def _initial_states(self, hx, batch, batched, dtype):
        """One state per (layer, direction): (B, H), or (h, c) of (B, H) for the LSTM."""
        count = self.num_layers * (2 if self.bidirectional else 1)
        lstm = self.mode == "LSTM"
        expected = (count, batch, self.hidden_size) if batched else (count, self.hidden_size)
        parts = _checked_states(type(self).__name__, hx, lstm, expected, dtype)
        if hx is None:
            empty = zeros(batch, self.hidden_size, dtype=dtype)
            return [(empty, empty) if lstm else empty] * count
        if not batched:
            parts = [part.unsqueeze(1) for part in parts]  # (count, 1, H)
        if lstm:
            return [(parts[0][i], parts[1][i]) for i in range(count)]
        return [parts[0][i] for i in range(count)]

    def _run(self, x_proj, state, weight_hh, bias_hh, reverse, running=None):
        """The time loop of one layer and direction: x_proj (L, B, G*H) -> (L, B, H), state.
        running (L, B, 1) bool, for packed input, marks the steps each sequence takes."""
        if self.mode == "LSTM" and running is None:  # one fused primitive, BPTT written out: see ops/fused.py
            h0, c0 = state
            if bias_hh is not None:
                x_proj = x_proj + bias_hh
            out = fused.lstm_sequence(x_proj, h0, c0, weight_hh, reverse)  # (L + 1, B, H)
            steps = x_proj.shape[0]
            return out[:steps], (out[0 if reverse else steps - 1], out[steps])
        step = _STEPS[self.mode]
        inputs = _time_steps(x_proj)  # L tensors (B, G*H)
        outputs = [None] * len(inputs)
        for t in (reversed(range(len(inputs))) if reverse else range(len(inputs))):
            new = step(inputs[t], state, weight_hh, bias_hh)
            if running is not None:  # a finished (or not yet started) sequence keeps its state
                new = (tuple(where(running[t], a, b) for a, b in zip(new, state))
                       if isinstance(new, tuple) else where(running[t], new, state))
            state = new
            outputs[t] = _hidden(state)
        return stack(outputs), state

    def forward(self, input, hx=None):
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        return self._forward(input, hx)

    def _forward_packed(self, packed, hx):
        """Run on the padded batch (in packing order) with per-step masks; pack the output."""
        padded, lengths = pad_packed_sequence(packed._replace(unsorted_indices=None))
        order, inverse = packed.sorted_indices, packed.unsorted_indices
        if hx is not None and order is not None:  # hx comes in the caller's batch order
            hx = tuple(h[:, order] for h in hx) if isinstance(hx, tuple) else hx[:, order]
        steps = np.arange(padded.shape[0])[:, None, None]
        running = Tensor._make(steps < lengths.numpy()[None, :, None])  # (L, B, 1)
        output, state = self._forward(padded, hx, running)
        data = cat([output[t, : int(size)] for t, size in enumerate(packed.batch_sizes.tolist())])
        if inverse is not None:
            state = (tuple(h[:, inverse] for h in state) if isinstance(state, tuple)
                     else state[:, inverse])
        return packed._replace(data=data), state

    def _forward(self, input, hx=None, running=None):
        if running is not None and self.batch_first:
            input = input.transpose(0, 1)  # packed input arrives (L, B, in)
        name = type(self).__name__
        layout = "(B, L, {})" if self.batch_first else "(L, B, {})"
        _check_input(name, input, (2, 3), self.input_size, layout.format(self.input_size),
                     self.weight_ih_l0.dtype)
        batched = input.ndim == 3
        if not batched:
            x = input.unsqueeze(1)  # (L, 1, in)
        else:
            x = input.transpose(0, 1) if self.batch_first else input  # (L, B, in)
        if x.shape[0] == 0:
            raise ValueError(f"{name}: expected a sequence of length at least 1, got 0")
        states = self._initial_states(hx, x.shape[1], batched, input.dtype)
        directions = 2 if self.bidirectional else 1
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction, suffix in enumerate(("", "_reverse")[:directions]):
                weight_ih, weight_hh, bias_ih, bias_hh = self._weights(layer, suffix)
                x_proj = F.linear(x, weight_ih, bias_ih)  # (L, B, G*H), all steps at once
                state = states[layer * directions + direction]
                output, final = self._run(x_proj, state, weight_hh, bias_hh, direction == 1,
                                          running)
                outputs.append(output)
                finals.append(final)
            x = outputs[0] if directions == 1 else cat(outputs, dim=-1)  # (L, B, D*H)
            if layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, self.training)
        h_n = stack([_hidden(final) for final in finals])  # (num_layers*D, B, H)
        if self.mode == "LSTM":
            c_n = stack([final[1] for final in finals])
        if not batched:
            x, h_n = x.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if self.mode == "LSTM" else None
        elif self.batch_first and running is None:
            x = x.transpose(0, 1)  # (B, L, D*H)
        return x, ((h_n, c_n) if self.mode == "LSTM" else h_n)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        defaults = {"num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0,
                    "bidirectional": False}
        for key, default in defaults.items():
            if getattr(self, key) != default:
                text += f", {key}={getattr(self, key)}"
        return text


class RNN(_RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__(_rnn_mode(nonlinearity), input_size, hidden_size, num_layers, bias,
                         batch_first, dropout, bidirectional, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(_RNNBase):
    """forward(input, (h_0, c_0)) -> (output, (h_n, c_n))."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        if proj_size:
            raise NotImplementedError(f"LSTM: proj_size={proj_size} (projected hidden states) "
                                      "is not implemented; use proj_size=0")
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device, dtype)


class GRU(_RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device, dtype)
