"""A PyTorch training script from start to end, as people write them: arguments, a Dataset and
shuffled DataLoaders, a model, AdamW with a StepLR schedule, a checkpoint (model, optimizer,
scheduler, epoch) written every epoch and resumed with --resume, and an evaluation under
no_grad. Plain PyTorch: `python train_script.py` runs it on PyTorch, `glassnet torch
train_script.py` on glassnet."""

import argparse
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, Dataset


class Spirals(Dataset):
    """Two interleaved spirals of 2-D points, labelled 0 and 1."""

    def __init__(self, n, noise=0.05):
        t = torch.rand(n) * 2 * math.pi
        label = torch.randint(0, 2, (n,))
        angle = t + math.pi * label.float()
        radius = 0.2 + t / (2 * math.pi)
        self.x = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)
        self.x = self.x + noise * torch.randn(n, 2)
        self.y = label

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, hidden),
                                    nn.Tanh(), nn.Linear(hidden, 2))

    def forward(self, x):
        return self.layers(x)


def evaluate(model, loader):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            loss += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(dim=1) == y).sum().item()
    model.train()
    return loss / len(loader.dataset), correct / len(loader.dataset)


def main():
    parser = argparse.ArgumentParser(description="spirals, end to end")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", default="spirals.pt")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_loader = DataLoader(Spirals(512), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(Spirals(256), batch_size=128)
    model = Net(args.hidden).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    start = 0
    if args.resume and os.path.exists(args.checkpoint):
        checkpoint = torch.load(args.checkpoint, map_location=device)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        start = checkpoint["epoch"] + 1
        print(f"resumed from epoch {checkpoint['epoch']}")
    print(f"test loss before: {evaluate(model, test_loader)[0]:.4f}")
    for epoch in range(start, args.epochs):
        total = 0.0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(x)
        scheduler.step()
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(), "epoch": epoch}, args.checkpoint)
        print(f"epoch {epoch} train loss {total / len(train_loader.dataset):.4f} "
              f"lr {scheduler.get_last_lr()[0]:.4f}")
    test_loss, accuracy = evaluate(model, test_loader)
    print(f"test loss after: {test_loss:.4f} accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main()
