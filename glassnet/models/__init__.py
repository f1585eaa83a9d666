"""gn.models: the model zoo. One file per model (config dataclass, blocks, model); this
registry maps a name to its (Config, Model) pair for `glassnet train NAME`, `glassnet sample NAME`
and the lessons. One line per model, in alphabetical order, so additions merge cleanly."""

from glassnet.models.autoencoder import Autoencoder, AutoencoderConfig
from glassnet.models.bert import BERT, BERTConfig
from glassnet.models.char_rnn import CharRNN, CharRNNConfig
from glassnet.models.checkpoint import load_model, save_model
from glassnet.models.cnn import CNN, CNNConfig
from glassnet.models.ddpm import DDPM, DDPMConfig
from glassnet.models.gan import GAN, GANConfig
from glassnet.models.gpt import GPT, GPTConfig
from glassnet.models.mlp import MLP, MLPConfig
from glassnet.models.resmlp import ResMLP, ResMLPConfig
from glassnet.models.resolver import Resolver, ResolverConfig
from glassnet.models.rnn_classifier import RNNClassifier, RNNClassifierConfig
from glassnet.models.seq2seq_rnn import Seq2SeqRNN, Seq2SeqRNNConfig
from glassnet.models.transformer import Transformer, TransformerConfig
from glassnet.models.vae import VAE, VAEConfig
from glassnet.models.word2vec import SkipGram, Word2VecConfig

MODELS = {
    "autoencoder": (AutoencoderConfig, Autoencoder),
    "bert": (BERTConfig, BERT),
    "char-rnn": (CharRNNConfig, CharRNN),
    "cnn": (CNNConfig, CNN),
    "ddpm": (DDPMConfig, DDPM),
    "gan": (GANConfig, GAN),
    "gpt": (GPTConfig, GPT),
    "mlp": (MLPConfig, MLP),
    "resmlp": (ResMLPConfig, ResMLP),
    "resolver": (ResolverConfig, Resolver),
    "rnn-classifier": (RNNClassifierConfig, RNNClassifier),
    "seq2seq-rnn": (Seq2SeqRNNConfig, Seq2SeqRNN),
    "transformer": (TransformerConfig, Transformer),
    "vae": (VAEConfig, VAE),
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


__all__ = [
    "BERT",
    "CNN",
    "DDPM",
    "GAN",
    "GPT",
    "MLP",
    "MODELS",
    "VAE",
    "Autoencoder",
    "AutoencoderConfig",
    "BERTConfig",
    "CNNConfig",
    "CharRNN",
    "CharRNNConfig",
    "DDPMConfig",
    "GANConfig",
    "GPTConfig",
    "MLPConfig",
    "RNNClassifier",
    "RNNClassifierConfig",
    "ResMLP",
    "ResMLPConfig",
    "Resolver",
    "ResolverConfig",
    "Seq2SeqRNN",
    "Seq2SeqRNNConfig",
    "SkipGram",
    "Transformer",
    "TransformerConfig",
    "VAEConfig",
    "Word2VecConfig",
    "create",
    "get",
    "load_model",
    "save_model",
]
