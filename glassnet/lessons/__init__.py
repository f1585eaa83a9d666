"""The lessons, in the article's order. Each is one module; see base.py for what it exposes.

A lesson is registered once its file exists: PLANNED names all seventeen, ORDER the ones built.
Only the CLI and the report import this package (a test enforces it)."""

import importlib
from pathlib import Path

# name -> what the lesson shows, in one line (the module's IDEA says it in full once it is built)
PLANNED = {
    "neuron": "a weighted sum and a threshold compute AND, OR and NOT, but no single one XOR",
    "digits": "a 16x16 digit, flattened to 256 numbers, classified by a deep network",
    "gradient-descent": "downhill on the loss: the closed form, local pits, step size, momentum",
    "perceptron": "linear models fail on XOR-like data, stacking them does not help, ReLU does",
    "activations": "step, sigmoid, tanh, ReLU and friends; a zero derivative means no learning",
    "backprop": "the chain rule by hand equals autograd equals finite differences, and is cheap",
    "vanishing-gradients": "gradients shrink through deep sigmoid stacks; ReLU, He init, skips",
    "cnn": "a sliding kernel: edge detectors, fewer parameters, robustness to shifts",
    "rnn": "a hidden state as memory: next-character prediction with RNN, GRU and LSTM",
    "autoencoder": "digits squeezed to a 2-D code and back, against PCA",
    "vae": "a smooth latent space: halfway between a full and a half moon is a gibbous moon",
    "diffusion": "noise added step by step, and a network that learns to take it away",
    "gan": "a generator against a discriminator, on a ring of Gaussians and on digits",
    "embeddings": "word vectors from real text: neighbours and king - man + woman",
    "attention": "queries, keys and values: which noun does 'it' refer to?",
    "transformer": "an encoder-decoder translating dates, against an RNN as sequences grow",
    "bert-gpt": "a mini-GPT that writes and a mini-BERT that fine-tunes from few labels",
}


def module_name(name):
    return "glassnet.lessons." + name.replace("-", "_")


def is_built(name):
    """Whether the lesson's file exists (it may still fail to import)."""
    return (Path(__file__).parent / (name.replace("-", "_") + ".py")).exists()


# the registered lessons: the planned ones whose file exists, in the article's order
ORDER = tuple(name for name in PLANNED if is_built(name))


def get(name):
    """The lesson module called name; an unknown name raises KeyError listing the valid ones."""
    if name not in ORDER:
        planned = " (planned, not built yet)" if name in PLANNED else ""
        raise KeyError(f"unknown lesson {name!r}{planned}; lessons: {', '.join(ORDER) or 'none'}")
    return importlib.import_module(module_name(name))


def all_lessons():
    return [get(name) for name in ORDER]
