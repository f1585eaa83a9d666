"""The five reference workloads, each written twice with the same shapes: once in glassnet and
once in PyTorch, the way a PyTorch user would write it (nn.LSTM, SDPA, nn.Conv2d).

``build(name, framework, seed)`` returns a ``step()`` closure that runs one forward, backward and
SGD(lr=0.01) update on a fixed float32 batch. Both frameworks start from the same weights: the
glassnet model is made first and its state dict is copied into the torch model.
"""

import math

import numpy as np

VOCAB, CONTEXT = 65, 64


# ---- glassnet ----
def _glassnet_models():
    import glassnet as gn
    from glassnet import functional as F
    from glassnet import nn

    class GPTBlock(nn.Module):
        def __init__(self, d_model, n_head):
            super().__init__()
            self.n_head = n_head
            self.ln_1 = nn.LayerNorm(d_model)
            self.qkv = nn.Linear(d_model, 3 * d_model)
            self.proj = nn.Linear(d_model, d_model)
            self.ln_2 = nn.LayerNorm(d_model)
            self.fc = nn.Linear(d_model, 4 * d_model)
            self.fc_out = nn.Linear(4 * d_model, d_model)

        def forward(self, x):
            batch, length, channels = x.shape
            q, k, v = self.qkv(self.ln_1(x)).split(channels, dim=2)  # (B, T, C) each
            heads = (batch, length, self.n_head, channels // self.n_head)
            q, k, v = (t.reshape(heads).transpose(1, 2) for t in (q, k, v))  # (B, H, T, D)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, H, T, D)
            x = x + self.proj(y.transpose(1, 2).reshape(batch, length, channels))
            return x + self.fc_out(F.gelu(self.fc(self.ln_2(x))))

    class GPT(nn.Module):
        def __init__(self, vocab=VOCAB, context=CONTEXT, d_model=128, n_layer=4, n_head=4):
            super().__init__()
            self.tok = nn.Embedding(vocab, d_model)
            self.pos = nn.Embedding(context, d_model)
            self.blocks = nn.ModuleList([GPTBlock(d_model, n_head) for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(d_model)
            self.head = nn.Linear(d_model, vocab)

        def forward(self, idx):
            x = self.tok(idx) + self.pos(gn.arange(idx.shape[1]))  # (B, T, C)
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln_f(x))  # (B, T, V)

    class CharLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, 64)
            self.lstm = nn.LSTM(64, 128, batch_first=True)
            self.head = nn.Linear(128, VOCAB)

        def forward(self, idx):
            out, _ = self.lstm(self.embed(idx))  # (B, T, 128)
            return self.head(out)

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Sequential(nn.Linear(256, 256), nn.ReLU())
            self.mu = nn.Linear(256, 16)
            self.logvar = nn.Linear(256, 16)
            self.dec = nn.Sequential(nn.Linear(16, 256), nn.ReLU(), nn.Linear(256, 256))

        def forward(self, x, noise):
            h = self.enc(x)
            mu, logvar = self.mu(h), self.logvar(h)
            z = mu + noise * (logvar * 0.5).exp()
            return self.dec(z), mu, logvar

    return gn, F, nn, GPT, CharLSTM, VAE


def _glassnet_step(name, data, seed):
    gn, F, nn, GPT, CharLSTM, VAE = _glassnet_models()
    gn.manual_seed(seed)
    x = gn.from_numpy(data["x"])
    y = gn.from_numpy(data["y"]) if "y" in data else None
    if name == "mlp":
        model = nn.Sequential(nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                              nn.Linear(64, 10))
    elif name == "cnn":
        model = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(512, 10),
        )
    elif name == "lstm":
        model = CharLSTM()
    elif name == "gpt":
        model = GPT()
    else:
        model = VAE()
    optimizer = gn.optim.SGD(model.parameters(), lr=0.01)
    noise = gn.from_numpy(data["noise"]) if name == "vae" else None

    def loss_fn():
        if name == "vae":
            recon, mu, logvar = model(x, noise)
            kl = -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum() / x.shape[0]
            return F.binary_cross_entropy_with_logits(recon, x, reduction="sum") / x.shape[0] + kl
        logits = model(x)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))

    def step():
        optimizer.zero_grad()
        loss = loss_fn()
        loss.backward()
        optimizer.step()
        return loss.item()

    return model, step


# ---- PyTorch ----
def _torch_step(name, data, state_dict):
    import torch
    import torch.nn.functional as F
    from torch import nn

    class GPTBlock(nn.Module):
        def __init__(self, d_model, n_head):
            super().__init__()
            self.n_head = n_head
            self.ln_1 = nn.LayerNorm(d_model)
            self.qkv = nn.Linear(d_model, 3 * d_model)
            self.proj = nn.Linear(d_model, d_model)
            self.ln_2 = nn.LayerNorm(d_model)
            self.fc = nn.Linear(d_model, 4 * d_model)
            self.fc_out = nn.Linear(4 * d_model, d_model)

        def forward(self, x):
            batch, length, channels = x.shape
            q, k, v = self.qkv(self.ln_1(x)).split(channels, dim=2)
            heads = (batch, length, self.n_head, channels // self.n_head)
            q, k, v = (t.reshape(heads).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(y.transpose(1, 2).reshape(batch, length, channels))
            return x + self.fc_out(F.gelu(self.fc(self.ln_2(x))))

    class GPT(nn.Module):
        def __init__(self, vocab=VOCAB, context=CONTEXT, d_model=128, n_layer=4, n_head=4):
            super().__init__()
            self.tok = nn.Embedding(vocab, d_model)
            self.pos = nn.Embedding(context, d_model)
            self.blocks = nn.ModuleList([GPTBlock(d_model, n_head) for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(d_model)
            self.head = nn.Linear(d_model, vocab)

        def forward(self, idx):
            x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln_f(x))

    class CharLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, 64)
            self.lstm = nn.LSTM(64, 128, batch_first=True)
            self.head = nn.Linear(128, VOCAB)

        def forward(self, idx):
            out, _ = self.lstm(self.embed(idx))
            return self.head(out)

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Sequential(nn.Linear(256, 256), nn.ReLU())
            self.mu = nn.Linear(256, 16)
            self.logvar = nn.Linear(256, 16)
            self.dec = nn.Sequential(nn.Linear(16, 256), nn.ReLU(), nn.Linear(256, 256))

        def forward(self, x, noise):
            h = self.enc(x)
            mu, logvar = self.mu(h), self.logvar(h)
            z = mu + noise * torch.exp(0.5 * logvar)
            return self.dec(z), mu, logvar

    if name == "mlp":
        model = nn.Sequential(nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                              nn.Linear(64, 10))
    elif name == "cnn":
        model = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(512, 10),
        )
    elif name == "lstm":
        model = CharLSTM()
    elif name == "gpt":
        model = GPT()
    else:
        model = VAE()
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state_dict.items()})
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.from_numpy(data["x"])
    y = torch.from_numpy(data["y"]) if "y" in data else None
    noise = torch.from_numpy(data["noise"]) if name == "vae" else None

    def loss_fn():
        if name == "vae":
            recon, mu, logvar = model(x, noise)
            kl = -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum() / x.shape[0]
            return F.binary_cross_entropy_with_logits(recon, x, reduction="sum") / x.shape[0] + kl
        logits = model(x)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))

    def step():
        optimizer.zero_grad()
        loss = loss_fn()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


# ---- data and FLOPs ----
def batch(name, seed=0):
    """One fixed batch of float32 inputs (and int64 targets) for a workload."""
    rng = np.random.default_rng(seed)
    if name == "mlp":
        return {"x": rng.standard_normal((64, 256), dtype=np.float32),
                "y": rng.integers(0, 10, 64)}
    if name == "cnn":
        return {"x": rng.standard_normal((64, 1, 16, 16), dtype=np.float32),
                "y": rng.integers(0, 10, 64)}
    if name in ("lstm", "gpt"):
        size = (32, CONTEXT)
        return {"x": rng.integers(0, VOCAB, size), "y": rng.integers(0, VOCAB, size)}
    return {"x": rng.random((128, 256), dtype=np.float32),
            "noise": rng.standard_normal((128, 16), dtype=np.float32)}


def gpt_step_flops(batch_size=32, length=CONTEXT, d_model=128, n_layer=4, vocab=VOCAB):
    """Matrix-product FLOPs of one training step (forward + backward = 3x forward)."""
    tokens = batch_size * length
    per_layer = 2 * tokens * d_model * (3 * d_model + d_model + 8 * d_model)  # qkv, proj, mlp
    per_layer += 2 * 2 * batch_size * length * length * d_model  # scores and weights @ values
    forward = n_layer * per_layer + 2 * tokens * d_model * vocab
    return 3 * forward


WORKLOADS = ("mlp", "cnn", "lstm", "gpt", "vae")


def build(name, seed=0):
    """(glassnet_step, torch_step or None) for one workload, from the same weights."""
    data = batch(name, seed)
    model, glassnet_step = _glassnet_step(name, data, seed)
    try:
        import torch  # noqa: F401
    except ImportError:
        return glassnet_step, None
    state = {k: v.data for k, v in model.state_dict().items()}
    return glassnet_step, _torch_step(name, data, state)


def check_same_loss(name, steps=3, seed=0):
    """Both frameworks follow the same trajectory: a sanity check of the comparison."""
    glassnet_step, torch_step = build(name, seed)
    ours = [glassnet_step() for _ in range(steps)]
    theirs = [torch_step() for _ in range(steps)]
    return ours, theirs, max(abs(a - b) / max(abs(b), 1e-8) for a, b in zip(ours, theirs))


if __name__ == "__main__":
    for workload in WORKLOADS:
        print(workload, check_same_loss(workload))
    print(math.floor(gpt_step_flops() / 1e6), "MFLOP per gpt step")
