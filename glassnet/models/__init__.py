"""gn.models: the model zoo. One file per model (config dataclass, blocks, model); this
registry maps a name to its (Config, Model) pair for `glassnet train NAME` and the lessons."""

from glassnet.models.bert import BERT, BERTConfig
from glassnet.models.char_rnn import CharRNN, CharRNNConfig
from glassnet.models.checkpoint import load_model, save_model
from glassnet.models.gpt import GPT, GPTConfig
from glassnet.models.mlp import MLP, MLPConfig
from glassnet.models.word2vec import SkipGram, Word2VecConfig

MODELS = {
    "bert": (BERTConfig, BERT),
    "char-rnn": (CharRNNConfig, CharRNN),
    "gpt": (GPTConfig, GPT),
    "mlp": (MLPConfig, MLP),
    "word2vec": (Word2VecConfig, SkipGram),
}


def get(name):
    """(Config, Model) for a registered name; an unknown name lists the valid ones."""
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; valid models: {', '.join(sorted(MODELS))}")
    return MODELS[name]


def create(name, **overrides):
    """Build a registered model from its default config with `overrides` applied."""
    config_class, model_class = get(name)
    return model_class(config_class(**overrides))


__all__ = ["BERT", "GPT", "MLP", "MODELS", "BERTConfig", "CharRNN", "CharRNNConfig", "GPTConfig",
           "MLPConfig", "SkipGram", "Word2VecConfig", "create", "get", "load_model",
           "save_model"]
