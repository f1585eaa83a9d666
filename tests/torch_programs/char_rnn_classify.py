"""Classifying names by language with a character-level RNN, in the style of the PyTorch
tutorial "NLP From Scratch: Classifying Names" (Sean Robertson): one-hot letters written into
zero tensors by indexing, an RNN built from Linear layers (i2h, h2h) and the same with
nn.RNN, topk to read the guess, a training step with NLLLoss, gradient clipping and the
manual update p.data.add_(p.grad.data, alpha=-lr), and a random_split with a seeded
Generator. Plain PyTorch: a test program for `torch` bound to glassnet."""

import string
import unicodedata

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)


def unicodeToAscii(s):
    return "".join(c for c in unicodedata.normalize("NFD", s)
                   if unicodedata.category(c) != "Mn" and c in all_letters)


def letterToIndex(letter):
    return all_letters.find(letter)


def letterToTensor(letter):
    tensor = torch.zeros(1, n_letters)
    tensor[0][letterToIndex(letter)] = 1
    return tensor


def lineToTensor(line):
    """<line_length x 1 x n_letters>: one one-hot row per letter."""
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size, hidden_size)
        self.h2h = nn.Linear(hidden_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        hidden = F.tanh(self.i2h(input) + self.h2h(hidden))
        output = self.softmax(self.h2o(hidden))
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


class CharRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(CharRNN, self).__init__()
        self.rnn = nn.RNN(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        rnn_out, hidden = self.rnn(line_tensor)
        output = self.h2o(hidden[0])
        return self.softmax(output)


def categoryFromOutput(output, all_categories):
    top_n, top_i = output.topk(1)
    category_i = top_i[0].item()
    return all_categories[category_i], category_i


def train(rnn, category_tensor, line_tensor, learning_rate=0.005, criterion=nn.NLLLoss()):
    hidden = rnn.initHidden()
    rnn.zero_grad()
    for i in range(line_tensor.size()[0]):
        output, hidden = rnn(line_tensor[i], hidden)
    loss = criterion(output, category_tensor)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(rnn.parameters(), 3)
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)
    return output, loss.item()


def predict(rnn, line, all_categories, n_predictions=3):
    with torch.no_grad():
        hidden = rnn.initHidden()
        line_tensor = lineToTensor(line)
        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)
        topv, topi = output.topk(n_predictions, 1, True)
        return [(topv[0][i].item(), all_categories[topi[0][i].item()])
                for i in range(n_predictions)]


class NamesDataset(Dataset):
    def __init__(self, names_by_language):
        self.labels_uniq = sorted(names_by_language)
        self.data, self.data_tensors, self.labels, self.labels_tensors = [], [], [], []
        for label in self.labels_uniq:
            for name in names_by_language[label]:
                self.data.append(name)
                self.data_tensors.append(lineToTensor(name))
                self.labels.append(label)
        for label in self.labels:
            self.labels_tensors.append(torch.tensor([self.labels_uniq.index(label)],
                                                    dtype=torch.long))

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        return self.labels_tensors[idx], self.data_tensors[idx], self.labels[idx], self.data[idx]


def split(dataset):
    return torch.utils.data.random_split(dataset, [0.75, 0.25],
                                         generator=torch.Generator().manual_seed(2024))
