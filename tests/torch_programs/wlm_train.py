"""Training a word-level language model in the style of pytorch/examples'
word_language_model/main.py and data.py: a Dictionary and Corpus that turn text into one long
tensor of word ids, batchify into columns, get_batch windows, hidden states detached between
batches (repackage_hidden), gradient clipping and a manual SGD step p.data.add_(p.grad,
alpha=-lr), evaluation with the summed loss. Plain PyTorch: a test program for `torch` bound
to glassnet."""

import argparse
import math

import torch
import torch.nn as nn

import wlm_model as model


class Dictionary(object):
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


class Corpus(object):
    def __init__(self, train_text, valid_text):
        self.dictionary = Dictionary()
        self.train = self.tokenize(train_text)
        self.valid = self.tokenize(valid_text)

    def tokenize(self, text):
        """One tensor of word ids, an <eos> after each line."""
        idss = []
        for line in text.splitlines():
            words = line.split() + ["<eos>"]
            ids = [self.dictionary.add_word(word) for word in words]
            idss.append(torch.tensor(ids).type(torch.int64))
        return torch.cat(idss)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)  # drop what does not fit
    return data.view(bsz, -1).t().contiguous()  # (nbatch, bsz)


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].view(-1)
    return data, target


def repackage_hidden(h):
    """Detach hidden states from their history."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def evaluate(net, data_source, ntokens, bptt, eval_batch_size, criterion):
    net.eval()
    total_loss = 0.0
    if not isinstance(net, model.TransformerModel):
        hidden = net.init_hidden(eval_batch_size)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, bptt):
            data, targets = get_batch(data_source, i, bptt)
            if isinstance(net, model.TransformerModel):
                output = net(data).view(-1, ntokens)
            else:
                output, hidden = net(data, hidden)
                hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


def train_epoch(net, train_data, ntokens, bptt, batch_size, lr, clip, criterion):
    """One pass; the loss of each batch."""
    net.train()
    losses = []
    if not isinstance(net, model.TransformerModel):
        hidden = net.init_hidden(batch_size)
    for i in range(0, train_data.size(0) - 1, bptt):
        data, targets = get_batch(train_data, i, bptt)
        net.zero_grad()
        if isinstance(net, model.TransformerModel):
            output = net(data).view(-1, ntokens)
        else:
            hidden = repackage_hidden(hidden)
            output, hidden = net(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
        for p in net.parameters():
            p.data.add_(p.grad, alpha=-lr)
        losses.append(loss.item())
    return losses


def save_best(net, path):
    """main.py keeps the best model whole: torch.save(model, f), code and all."""
    with open(path, "wb") as f:
        torch.save(net, f)


def load_best(path, transformer):
    """...and loads it back, allowing its classes by name, as main.py does since PyTorch 2.6
    made torch.load(weights_only=True) the default."""
    with open(path, "rb") as f:
        if transformer:
            safe_globals = [
                model.PositionalEncoding,
                model.TransformerModel,
                torch.nn.functional.relu,
                torch.nn.modules.activation.MultiheadAttention,
                torch.nn.modules.container.ModuleList,
                torch.nn.modules.dropout.Dropout,
                torch.nn.modules.linear.Linear,
                torch.nn.modules.linear.NonDynamicallyQuantizableLinear,
                torch.nn.modules.normalization.LayerNorm,
                torch.nn.modules.sparse.Embedding,
                torch.nn.modules.transformer.TransformerEncoder,
                torch.nn.modules.transformer.TransformerEncoderLayer,
            ]
        else:
            safe_globals = [
                model.RNNModel,
                torch.nn.modules.dropout.Dropout,
                torch.nn.modules.linear.Linear,
                torch.nn.modules.rnn.GRU,
                torch.nn.modules.rnn.LSTM,
                torch.nn.modules.rnn.RNN,
                torch.nn.modules.sparse.Embedding,
            ]
        with torch.serialization.safe_globals(safe_globals):
            net = torch.load(f)
    if not transformer:
        net.rnn.flatten_parameters()  # one block of memory for cuDNN
    return net


TEXT = """the cat sat on the mat
the dog sat on the log
a cat and a dog met on the mat
the log was under the dog"""


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="word-level language model, small")
    parser.add_argument("--model", type=str, default="LSTM")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=5.0)
    args = parser.parse_args()
    torch.manual_seed(1111)
    corpus = Corpus(TEXT, TEXT.splitlines()[0])
    train_data = batchify(corpus.train, 2)
    ntokens = len(corpus.dictionary)
    if args.model == "Transformer":
        net = model.TransformerModel(ntokens, 16, 2, 32, 1, 0.0)
    else:
        net = model.RNNModel(args.model, ntokens, 16, 16, 2, 0.0, tie_weights=True)
    criterion = nn.NLLLoss()
    for epoch in range(args.epochs):
        losses = train_epoch(net, train_data, ntokens, 5, 2, args.lr, 0.25, criterion)
        print(f"epoch {epoch} loss {sum(losses) / len(losses):.3f} "
              f"ppl {math.exp(sum(losses) / len(losses)):.1f}")
