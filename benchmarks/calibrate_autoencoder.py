"""Calibration of lesson 10 (autoencoder): the lesson's recipe in PyTorch (same data, widths,
LeakyReLU, binary cross-entropy, Adam, cosine schedule per step, batches, epochs; the lesson's own
PCA and 10-NN vote), so that its thresholds rest on what the standard implementation reaches.

    python benchmarks/calibrate_autoencoder.py [--quick] [--seeds 0,1,2,3,4]

Needs torch (the `test` extra) and the cached digits16. A benchmark, not a test: slow.
"""

import argparse
import itertools
import time

import numpy as np
import torch
from torch import nn

from glassnet.data import load_digits
from glassnet.lessons import autoencoder as lesson


def mlp(sizes):
    layers = []
    for index, (width_in, width_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(width_in, width_out))
        if index < len(sizes) - 2:
            layers.append(nn.LeakyReLU(0.01))
    return nn.Sequential(*layers)


def train(cfg, x_train, code_size, epochs, seed):
    torch.manual_seed(seed * 100 + code_size)
    hidden = tuple(cfg.map_hidden if code_size == 2 else cfg.hidden)
    encoder, decoder = mlp((256, *hidden, code_size)), mlp((code_size, *reversed(hidden), 256))
    optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=cfg.lr)
    steps = len(x_train) // cfg.batch_size  # drop_last, as the lesson's loader
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * steps)
    for _ in range(epochs):
        order = torch.randperm(len(x_train))
        for i in range(steps):
            x = x_train[order[i * cfg.batch_size : (i + 1) * cfg.batch_size]]
            logits = decoder(encoder(x))
            loss = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none")
            optimizer.zero_grad()
            loss.sum(1).mean().backward()
            optimizer.step()
            scheduler.step()
    return encoder, decoder


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", default="0,1,2,3,4")
    args = parser.parse_args()
    torch.set_num_threads(1)
    cfg = lesson.Config()
    sizes = lesson.QUICK["code_sizes"] if args.quick else cfg.code_sizes
    epochs = lesson.QUICK["epochs"] if args.quick else cfg.epochs
    digits = load_digits(16, download=False)
    x_train = torch.tensor(digits.x_train.reshape(len(digits.x_train), -1))
    x_test = torch.tensor(digits.x_test.reshape(len(digits.x_test), -1))
    pca = lesson.PCA(digits.x_train)
    pca_errors = [lesson.mean_squared_error(pca.reconstruct(digits.x_test, s), digits.x_test)
                  for s in sizes]
    print("PCA errors", " ".join(f"{e:.4f}" for e in pca_errors))
    for seed in (int(s) for s in args.seeds.split(",")):
        start, errors = time.process_time(), []
        for size in sizes:
            encoder, decoder = train(cfg, x_train, size, epochs, seed)
            with torch.no_grad():
                rebuilt = torch.sigmoid(decoder(encoder(x_test))).numpy()
                errors.append(float(np.mean((rebuilt - x_test.numpy()) ** 2)))
                if size == 2:
                    knn = lesson.knn_accuracy(encoder(x_train).numpy(), digits.y_train,
                                              encoder(x_test).numpy(), digits.y_test, 10)
        steps = np.array(errors[1:]) / np.array(errors[:-1])
        print(f"seed {seed}: 10-NN {knn:.3f}, error/PCA at 2 {errors[0] / pca_errors[0]:.3f}, "
              f"errors {' '.join(f'{e:.4f}' for e in errors)}, largest step {steps.max():.3f} "
              f"({time.process_time() - start:.0f} s CPU)", flush=True)


if __name__ == "__main__":
    main()
