"""The five reference workloads, in glassnet and in PyTorch with the same shapes, data,
initial weights and optimizer (SGD, lr 0.01).

glassnet keeps PyTorch's names, so each model below is written ONCE, as a PyTorch user would
write it (nn.Linear, nn.Conv2d, nn.LSTM, F.scaled_dot_product_attention(is_causal=True)), and
built twice: with ``framework("glassnet")`` and with ``framework("torch")``. The torch model
starts from the glassnet model's state dict, so both follow the same trajectory.

``build(name)`` returns one ``step()`` closure per framework: a forward, a backward and an SGD
update on one fixed float32 batch.
"""

import types

import numpy as np

VOCAB, CONTEXT = 65, 64
WORKLOADS = ("mlp", "cnn", "lstm", "gpt", "vae")


def framework(name):
    """The few names the models need, from glassnet or from torch."""
    if name == "glassnet":
        import glassnet as lib
        from glassnet import functional as F
    else:
        import torch as lib
        import torch.nn.functional as F
    return types.SimpleNamespace(lib=lib, nn=lib.nn, F=F, optim=lib.optim)


def make_model(name, fw):
    nn, F = fw.nn, fw.F

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
        def __init__(self, d_model=128, n_layer=4, n_head=4):
            super().__init__()
            self.tok = nn.Embedding(VOCAB, d_model)
            self.pos = nn.Embedding(CONTEXT, d_model)
            self.blocks = nn.ModuleList([GPTBlock(d_model, n_head) for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(d_model)
            self.head = nn.Linear(d_model, VOCAB)

        def forward(self, idx):
            x = self.tok(idx) + self.pos(fw.lib.arange(idx.shape[1]))  # (B, T, C)
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
            return self.head(out)  # (B, T, V)

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
            z = mu + noise * (logvar * 0.5).exp()  # the reparameterisation trick
            return self.dec(z), mu, logvar

    if name == "mlp":
        return nn.Sequential(nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                             nn.Linear(64, 10))
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(512, 10),
        )
    return {"lstm": CharLSTM, "gpt": GPT, "vae": VAE}[name]()


def make_step(name, fw, model, data):
    """One training step on the fixed batch: forward, loss, backward, SGD update."""
    F = fw.F
    x, y, noise = (fw.lib.from_numpy(data[k]) if k in data else None for k in ("x", "y", "noise"))
    optimizer = fw.optim.SGD(model.parameters(), lr=0.01)

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


def batch(name, seed=0):
    """One fixed batch of float32 inputs (and int64 targets) for a workload."""
    rng = np.random.default_rng(seed)
    if name in ("mlp", "cnn"):
        shape = (64, 256) if name == "mlp" else (64, 1, 16, 16)
        return {"x": rng.standard_normal(shape, dtype=np.float32), "y": rng.integers(0, 10, 64)}
    if name in ("lstm", "gpt"):
        size = (32, CONTEXT)
        return {"x": rng.integers(0, VOCAB, size), "y": rng.integers(0, VOCAB, size)}
    return {"x": rng.random((128, 256), dtype=np.float32),
            "noise": rng.standard_normal((128, 16), dtype=np.float32)}


def gpt_step_flops(batch_size=32, length=CONTEXT, d_model=128, n_layer=4, vocab=VOCAB):
    """Matrix-product FLOPs of one gpt training step (forward + backward = 3x forward)."""
    tokens = batch_size * length
    per_layer = 2 * tokens * d_model * (3 * d_model + d_model + 8 * d_model)  # qkv, proj, mlp
    per_layer += 2 * 2 * batch_size * length * length * d_model  # scores, weights @ values
    return 3 * (n_layer * per_layer + 2 * tokens * d_model * vocab)


def build(name, seed=0):
    """(glassnet_step, torch_step or None) for one workload, from the same weights."""
    data = batch(name, seed)
    ours = framework("glassnet")
    ours.lib.manual_seed(seed)
    model = make_model(name, ours)
    glassnet_step = make_step(name, ours, model, data)
    try:
        theirs = framework("torch")
    except ImportError:
        return glassnet_step, None
    torch_model = make_model(name, theirs)
    state = {k: theirs.lib.from_numpy(np.array(v.array)) for k, v in model.state_dict().items()}
    torch_model.load_state_dict(state)
    return glassnet_step, make_step(name, theirs, torch_model, data)


def check_same_loss(name, steps=3, seed=0):
    """Both frameworks follow the same trajectory: a sanity check of the comparison."""
    glassnet_step, torch_step = build(name, seed)
    ours = [glassnet_step() for _ in range(steps)]
    theirs = [torch_step() for _ in range(steps)]
    return ours, theirs, max(abs(a - b) / max(abs(b), 1e-8) for a, b in zip(ours, theirs))


if __name__ == "__main__":
    for workload in WORKLOADS:
        print(workload, check_same_loss(workload))
