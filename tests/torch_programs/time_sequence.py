"""Predicting sine waves with two stacked LSTM cells, in the style of pytorch/examples'
time_sequence_prediction: the model is made float64 with .double(), the sequence is walked
with input.split(1, dim=1), the model feeds its own output back to predict the future, and
L-BFGS trains it through a closure. Plain PyTorch: a test program for `torch` bound to
glassnet."""

import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


def generate_sine_wave(N=6, L=40, T=20, seed=2):
    """N noisy-phase sine waves of L steps, period 2 pi T (float64), as generate_sine_wave.py."""
    rng = np.random.RandomState(seed)
    x = np.empty((N, L), "int64")
    x[:] = np.array(range(L)) + rng.randint(-4 * T, 4 * T, N).reshape(N, 1)
    return np.sin(x / 1.0 / T).astype("float64")


class Sequence(nn.Module):
    def __init__(self, hidden=51):
        super(Sequence, self).__init__()
        self.hidden = hidden
        self.lstm1 = nn.LSTMCell(1, hidden)
        self.lstm2 = nn.LSTMCell(hidden, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        c_t = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for i in range(future):  # predict the future from the model's own output
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        return torch.cat(outputs, dim=1)


def fit(seq, input, target, steps, lr=0.8):
    criterion = nn.MSELoss()
    optimizer = optim.LBFGS(seq.parameters(), lr=lr)
    losses = []
    for i in range(steps):
        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            loss.backward()
            return loss
        losses.append(optimizer.step(closure).item())
    return losses


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=2)
    opt = parser.parse_args()
    np.random.seed(0)
    torch.manual_seed(0)
    data = generate_sine_wave()
    input, target = torch.from_numpy(data[3:, :-1]), torch.from_numpy(data[3:, 1:])
    test_input, test_target = torch.from_numpy(data[:3, :-1]), torch.from_numpy(data[:3, 1:])
    seq = Sequence(hidden=16)
    seq.double()
    print("losses", fit(seq, input, target, opt.steps))
    with torch.no_grad():
        future = 10
        pred = seq(test_input, future=future)
        loss = nn.MSELoss()(pred[:, :-future], test_target)
        print("test loss:", loss.item())
        y = pred.detach().numpy()
