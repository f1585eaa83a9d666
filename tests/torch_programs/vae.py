"""A variational autoencoder in the style of pytorch/examples' vae/main.py (Kingma and Welling,
Auto-Encoding Variational Bayes, 2014): encoder to a mean and a log-variance, the
reparameterisation trick with torch.randn_like, a sigmoid decoder, and the loss as summed
binary cross-entropy plus the KL divergence to N(0, I). Plain PyTorch: a test program for
`torch` bound to glassnet."""

import argparse

import torch
import torch.utils.data
from torch import nn, optim
from torch.nn import functional as F


class VAE(nn.Module):
    def __init__(self, pixels=784, hidden=400, latent=20):
        super(VAE, self).__init__()
        self.pixels = pixels
        self.fc1 = nn.Linear(pixels, hidden)
        self.fc21 = nn.Linear(hidden, latent)
        self.fc22 = nn.Linear(hidden, latent)
        self.fc3 = nn.Linear(latent, hidden)
        self.fc4 = nn.Linear(hidden, pixels)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, self.pixels))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar, pixels=784):
    """Reconstruction (summed BCE) + KL(q(z|x) || N(0, I)), appendix B of the paper."""
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, pixels), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def train(model, optimizer, train_loader, epoch, log_interval=10):
    model.train()
    train_loss = 0
    for batch_idx, (data, _) in enumerate(train_loader):
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar, model.pixels)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
        if batch_idx % log_interval == 0:
            print("Train Epoch: {} [{}/{}]\tLoss: {:.6f}".format(
                epoch, batch_idx * len(data), len(train_loader.dataset), loss.item() / len(data)))
    return train_loss / len(train_loader.dataset)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="VAE, small")
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(1)
    images = (torch.rand(64, 1, 8, 8) > 0.5).float()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, torch.zeros(64)),
                                         batch_size=16, shuffle=True)
    model = VAE(pixels=64, hidden=32, latent=4)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, args.epochs + 1):
        print("====> Epoch: {} Average loss: {:.4f}".format(epoch, train(model, optimizer, loader,
                                                                      epoch)))
    with torch.no_grad():
        sample = model.decode(torch.randn(8, 4)).cpu()
    print(sample.view(8, 1, 8, 8).shape)
