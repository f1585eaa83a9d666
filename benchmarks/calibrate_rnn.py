"""Calibration of lesson 9 (rnn): the lesson's recipe in PyTorch, on the lesson's data, batches and
scoring (its own functions), so that its thresholds rest on what the standard implementation
reaches with the same budget. Prints each seed's numbers and their range.

    python benchmarks/calibrate_rnn.py [--quick] [--seeds 0,1,2,3,4]

Needs torch (the `test` extra) and the cached shakespeare text. A benchmark, not a test: slow.
"""

import argparse
import math
import statistics
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from glassnet.lessons import rnn

TORCH_KINDS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class CharModel(nn.Module):
    """glassnet.models.char_rnn.CharRNN, in PyTorch."""

    def __init__(self, vocab, embedding, hidden, kind, bidirectional=False):
        super().__init__()
        self.hidden, self.bidirectional = hidden, bidirectional
        self.embed = nn.Embedding(vocab, embedding)
        self.rnn = TORCH_KINDS[kind](embedding, hidden, batch_first=True,
                                     bidirectional=bidirectional)
        self.head = nn.Linear(hidden * (2 if bidirectional else 1), vocab)

    def forward(self, idx):
        return self.head(self.rnn(self.embed(idx))[0])

    def fill_in_logits(self, idx):
        hidden = self.rnn(self.embed(idx))[0]
        past = hidden[:, :-2, : self.hidden]
        if not self.bidirectional:
            return self.head(past)
        return self.head(torch.cat([past, hidden[:, 2:, self.hidden :]], -1))


def train(cfg, text, model, steps, rng):
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    vocab = len(text.chars)
    for _ in range(steps):
        if model.bidirectional:
            batch = torch.tensor(rnn.random_windows(text.train, cfg.batch_size,
                                                    cfg.seq_len + 2, rng))
            logits, targets = model.fill_in_logits(batch), batch[:, 1:-1]
        else:
            batch = torch.tensor(rnn.random_windows(text.train, cfg.batch_size,
                                                    cfg.seq_len + 1, rng))
            logits, targets = model(batch[:, :-1]), batch[:, 1:]
        loss = F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
    return model.eval()


@torch.no_grad()
def scores(model, text, windows, ends, colon):
    logits = model(torch.tensor(windows[:, :-1])).numpy()
    loss, _ = rnn._scores(logits, windows[:, 1:])
    context = text.val[ends[:, None] + np.arange(-63, 1)]
    colon_accuracy = float((model(torch.tensor(context))[:, -1].argmax(-1) == colon)
                           .float().mean())
    return loss, colon_accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", default="0,1,2,3,4")
    args = parser.parse_args()
    torch.set_num_threads(1)
    cfg = rnn.Config(quick=args.quick)
    steps = min(cfg.steps, rnn.QUICK["steps"]) if args.quick else cfg.steps
    bi_steps = min(cfg.bi_steps, rnn.QUICK["bi_steps"]) if args.quick else cfg.bi_steps
    text = rnn.load_text()
    vocab = len(text.chars)
    windows = rnn.eval_windows(text.val)
    unigram, bigram, _ = rnn.baselines(text.train, windows, vocab)
    ends = rnn.name_ends(text.val, text.chars)[: rnn.NAME_ENDS]
    colon = text.chars.index(":")
    print(f"torch {torch.__version__}, numpy {np.__version__}; {steps} steps (bidirectional "
          f"{bi_steps}); unigram {unigram:.3f}, bigram {bigram:.3f} nats")
    found = {}
    for seed in (int(s) for s in args.seeds.split(",")):
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        start = time.process_time()
        row = {}
        for kind, hidden in zip(rnn.KINDS, cfg.hidden_sizes):
            model = train(cfg, text, CharModel(vocab, cfg.embedding_dim, hidden, kind), steps,
                          rng)
            loss, colon_accuracy = scores(model, text, windows, ends, colon)
            row[f"{kind} gap to unigram"] = unigram - loss
            row[f"{kind} gap to bigram"] = bigram - loss
            row[f"{kind} colon"] = colon_accuracy
            if kind == "lstm":
                with torch.no_grad():
                    one_way = model.fill_in_logits(torch.tensor(windows)).argmax(-1)
        bidirectional = train(cfg, text, CharModel(vocab, cfg.embedding_dim, cfg.bi_hidden,
                                                   "lstm", True), bi_steps, rng)
        with torch.no_grad():
            both = bidirectional.fill_in_logits(torch.tensor(windows)).argmax(-1)
        targets = torch.tensor(windows[:, 1:-1])
        row["bidirectional - one-way"] = float((both == targets).float().mean()
                                               - (one_way == targets).float().mean())
        print(f"seed {seed} ({time.process_time() - start:.0f} s CPU): "
              + ", ".join(f"{k} {v:.3f}" for k, v in row.items()), flush=True)
        for key, value in row.items():
            found.setdefault(key, []).append(value)
    for key, values in found.items():
        print(f"{key}: {min(values):.3f} .. {max(values):.3f} (mean {statistics.mean(values):.3f})")
    print(f"bits = nats / ln 2 = nats * {1 / math.log(2):.4f}")


if __name__ == "__main__":
    main()
