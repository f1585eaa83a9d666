"""A digit classifier that reads an image row by row with an LSTM, in the style of
pytorch/examples' mnist_rnn/main.py: LSTM with batch_first, the last step's output, batch
norm, Dropout2d, two linear layers, log_softmax; trained with Adadelta and StepLR.
Plain PyTorch: a test program for `torch` bound to glassnet."""

import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.rnn = nn.LSTM(input_size=28, hidden_size=64, batch_first=True)
        self.batchnorm = nn.BatchNorm1d(64)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, input):
        input = input.reshape(-1, 28, 28)  # (batch, rows, columns): the rows are the steps
        output, hidden = self.rnn(input)
        output = output[:, -1, :]  # the last step
        output = self.batchnorm(output)
        output = self.dropout1(output)
        output = F.relu(self.fc1(output))
        output = self.dropout2(output)
        output = self.fc2(output)
        return F.log_softmax(output, dim=1)
