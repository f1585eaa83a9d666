"""Calibrate the bert-gpt lesson: run its three recipes in PyTorch, from the same initial
weights (the glassnet models' state dicts, built from the lesson's seed), on the same batches,
masks and labels (the lesson's own NumPy data code), and print the numbers the lesson's checks
are set from. Also holds the PyTorch twins of glassnet's GPT and BERT (same layers, same
state-dict keys) that tests/test_models_bert_gpt.py compares against.

    python benchmarks/calibrate_bert_gpt.py --seeds 0,1,2,3,4 [--quick] [--gpt-steps 2000]
                                            [--skip-bert]

Run with one BLAS thread (OPENBLAS_NUM_THREADS=1); torch is set to one thread here. Dropout
(BERT's) draws from torch's generator, seeded with the seed, so it differs from glassnet's
draws; everything else is the same.
"""

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import glassnet as gn


# ---- the twins ----
class CausalSelfAttention(nn.Module):
    def __init__(self, width, n_head, causal=True):
        super().__init__()
        self.n_head, self.causal = n_head, causal
        self.c_attn = nn.Linear(width, 3 * width)
        self.c_proj = nn.Linear(width, width)

    def forward(self, x, visible=None):
        batch, length, channels = x.shape
        q, k, v = self.c_attn(x).split(channels, dim=2)
        heads = (batch, length, self.n_head, channels // self.n_head)
        q, k, v = (t.reshape(heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=visible, is_causal=self.causal)
        return self.c_proj(y.transpose(1, 2).reshape(batch, length, channels))


class GPTMLP(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.c_fc, self.gelu, self.c_proj = nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(
            4 * width, width)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, width, n_head, causal, dropout=0.0):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.attn = CausalSelfAttention(width, n_head, causal)
        self.causal = causal
        self.drop = nn.Dropout(dropout)
        self.mlp = GPTMLP(width) if causal else nn.Sequential(
            nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width),
            nn.Dropout(dropout))

    def forward(self, x, visible=None):
        x = x + self.drop(self.attn(self.ln_1(x), visible))
        return x + self.mlp(self.ln_2(x))


class TorchGPT(nn.Module):
    """glassnet.models.gpt.GPT in PyTorch (dropout 0)."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict({
            "wte": nn.Embedding(config.vocab_size, config.n_embd),
            "wpe": nn.Embedding(config.block_size, config.n_embd),
            "h": nn.ModuleList([Block(config.n_embd, config.n_head, True)
                                for _ in range(config.n_layer)]),
            "ln_f": nn.LayerNorm(config.n_embd)})
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight

    def forward(self, idx):
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(idx.shape[1]))
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))


class TorchBERT(nn.Module):
    """glassnet.models.bert.BERT in PyTorch."""

    def __init__(self, config):
        super().__init__()
        width = config.n_embd
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, width)
        self.wpe = nn.Embedding(config.block_size, width)
        self.drop = nn.Dropout(config.dropout)
        self.h = nn.ModuleList([Block(width, config.n_head, False, config.dropout)
                                for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(width)
        self.mlm_dense, self.mlm_ln = nn.Linear(width, width), nn.LayerNorm(width)
        self.mlm_bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.pooler, self.classifier = nn.Linear(width, width), nn.Linear(width,
                                                                          config.n_classes)

    def forward(self, idx):
        visible = (idx != 0)[:, None, None, :]
        x = self.drop(self.wte(idx) + self.wpe(torch.arange(idx.shape[1])))
        for block in self.h:
            x = block(x, visible)
        return self.ln_f(x)

    def mlm_logits(self, states):
        return self.mlm_ln(F.gelu(self.mlm_dense(states))) @ self.wte.weight.T + self.mlm_bias

    def classify(self, idx):
        return self.classifier(self.drop(torch.tanh(self.pooler(self(idx)[:, 0]))))


def twin(glassnet_model, torch_class):
    """A torch model holding glassnet_model's weights."""
    model = torch_class(glassnet_model.config)
    state = {k: torch.from_numpy(np.array(v.numpy())) for k, v in
             glassnet_model.state_dict().items()}
    model.load_state_dict(state)
    return model


# ---- the recipes, in PyTorch ----
def adamw(model, recipe, groups):
    if groups:
        params = list(model.parameters())
        groups = [{"params": [p for p in params if p.ndim >= 2],
                   "weight_decay": recipe["weight_decay"]},
                  {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]
    else:
        groups = [{"params": list(model.parameters()), "weight_decay": recipe["weight_decay"]}]
    return torch.optim.AdamW(groups, lr=recipe["lr"], betas=recipe["betas"])


def lm_loss(model, x, y, batch_size=60):
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            logits = model(torch.from_numpy(x[start:start + batch_size]))
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.from_numpy(
                y[start:start + batch_size].reshape(-1)), reduction="sum").item()
    return total / y.size


def train_lm(model, ids, recipe, rng, steps):
    optimizer = adamw(model, recipe, groups=True)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: steps.warmup_cosine(
        s, recipe["steps"], recipe["warmup"], recipe["floor"]))
    for _ in range(recipe["steps"]):
        x, y = (torch.from_numpy(a) for a in steps.random_windows(
            ids, recipe["batch_size"], recipe["block"], rng))
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    return loss.item()


def mlm_step_loss(model, inputs, targets):
    picked = targets.reshape(-1) != -100
    states = model(inputs).reshape(-1, model.config.n_embd)[picked]
    return F.cross_entropy(model.mlm_logits(states), targets.reshape(-1)[picked])


def train_mlm(model, ids, recipe, rng, steps):
    optimizer = adamw(model, recipe, groups=False)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: steps.warmup_cosine(
        s, recipe["steps"], recipe["warmup"], recipe["floor"]))
    loader = steps.MaskedWindows(ids, recipe["steps"], recipe["batch_size"], recipe["block"],
                                 model.config.vocab_size, rng)
    model.train()
    for inputs, targets in loader:
        loss = mlm_step_loss(model, torch.from_numpy(inputs.numpy()),
                             torch.from_numpy(targets.numpy()))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    model.eval()


def finetune(model, train, test, recipe, rng):
    steps_per_epoch = -(-len(train[1]) // recipe["batch_size"])
    total = recipe["epochs"] * steps_per_epoch
    warmup = max(1, total // 10)
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe["lr"], weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / total)))
    x, y = torch.from_numpy(train[0]), torch.from_numpy(train[1])
    accuracies = []
    for _ in range(recipe["epochs"]):
        model.train()
        order = rng.permutation(len(y))
        for start in range(0, len(y), recipe["batch_size"]):
            rows = order[start:start + recipe["batch_size"]]
            loss = F.cross_entropy(model.classify(x[rows]), y[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        model.eval()
        with torch.no_grad():
            predicted = model.classify(torch.from_numpy(test[0])).argmax(1).numpy()
        accuracies.append(float(np.mean(predicted == test[1])))
    return accuracies


def calibrate(seed, quick, overrides, with_bert=True):
    from glassnet.lessons import base, bert_gpt
    from glassnet.lessons import bert_gpt_train as steps

    cfg = base.make_config(bert_gpt, quick=quick, seed=seed, out="/tmp",
                           overrides=overrides)
    recipe, data = bert_gpt.recipes(cfg), bert_gpt.prepare(cfg)
    gn.manual_seed(seed)
    gpt, bert = bert_gpt.initial_models(cfg, data)
    torch.manual_seed(seed)
    start = time.process_time()
    model = twin(gpt, TorchGPT)
    initial = copy.deepcopy(model.state_dict())
    train_lm(model, data["train"], recipe["gpt"], np.random.default_rng([seed, 0]), steps)
    out = {"seed": seed, "gpt_val_loss": lm_loss(model, *data["val"])}
    out["gpt_seconds"] = time.process_time() - start
    scratch = TorchGPT(gpt.config)
    scratch.load_state_dict(initial)
    for name, net in (("finetuned", model), ("scratch", scratch)):
        train_lm(net, data["wiki"], recipe["wiki"], np.random.default_rng([seed, 2]), steps)
        out[f"wiki_val_loss_{name}"] = lm_loss(net, *data["wiki_val"])
    out["wiki_margin"] = out["wiki_val_loss_scratch"] - out["wiki_val_loss_finetuned"]
    if not with_bert:
        out["seconds"] = time.process_time() - start
        return out
    encoder = twin(bert, TorchBERT)
    initial = copy.deepcopy(encoder.state_dict())
    train_mlm(encoder, data["word_ids"], recipe["bert"], np.random.default_rng([seed, 4]), steps)
    held = steps.MaskedWindows(data["held_out_word_ids"], 1, 500, 16, bert.config.vocab_size,
                               np.random.default_rng(0))
    inputs, targets = (torch.from_numpy(a.numpy()) for a in next(iter(held)))
    with torch.no_grad():
        out["bert_mlm_loss"] = mlm_step_loss(encoder, inputs, targets).item()
    test_lines = bert_gpt.EVAL[bool(quick)]["test_lines"]
    task = steps.corrupted_lines(data["lines"], data["words"], 16, cfg.labels + test_lines,
                                 np.random.default_rng(17))
    train_set = (task[0][:cfg.labels], task[1][:cfg.labels])
    test_set = (task[0][cfg.labels:], task[1][cfg.labels:])
    from_scratch = TorchBERT(bert.config)
    from_scratch.load_state_dict(initial)
    for name, net in (("pretrained", encoder), ("scratch", from_scratch)):
        curve = finetune(net, train_set, test_set, recipe["classify"],
                         np.random.default_rng([seed, 5]))
        out[f"bert_accuracy_{name}"] = curve[-1]
        out[f"bert_curve_{name}"] = curve
    out["bert_margin"] = out["bert_accuracy_pretrained"] - out["bert_accuracy_scratch"]
    out["seconds"] = time.process_time() - start
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--gpt-steps", type=int)
    parser.add_argument("--skip-bert", action="store_true", help="the GPT recipes only")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    overrides = {"gpt-steps": str(args.gpt_steps)} if args.gpt_steps else {}
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        row = calibrate(seed, args.quick, overrides, with_bert=not args.skip_bert)
        rows.append(row)
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                          for k, v in row.items()}), flush=True)
    for key in ("gpt_val_loss", "wiki_margin", "bert_mlm_loss", "bert_margin", "seconds"):
        values = [row[key] for row in rows if key in row]
        if not values:
            continue
        print(f"{key}: mean {np.mean(values):.4f}, min {min(values):.4f}, max {max(values):.4f}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    print(f"torch {torch.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
