"""An RNN encoder-decoder without attention: the whole input squeezed into one vector.

    h_s, c_s = LSTM_enc(embed(source))                   read the source one character at a time
    y_t, (h, c) = LSTM_dec(embed(target_{t-1}), (h, c))  starting from the encoder's final state
    logits_t = Linear(y_t)                               (B, T, vocab)

Sutskever, Vinyals & Le (2014), "Sequence to Sequence Learning with Neural Networks" (LSTM
encoder and decoder, the decoder started from the encoder's final state), and Cho et al. (2014),
"Learning Phrase Representations using RNN Encoder-Decoder for Statistical Machine
Translation" (which also feeds that state to every decoder step; here, as in Sutskever et al.,
it only starts the decoder). The decoder sees the source only through the final (h, c), of one
size whatever the length: the bottleneck that Cho, van Merrienboer, Bahdanau & Bengio (2014,
"On the Properties of Neural Machine Translation") measured as quality falling with sentence
length and that attention (Bahdanau, Cho & Bengio 2015) removed.

A training step runs its positions one after another: S encoder steps, then T decoder steps.
Sources are read whole, so they should be unpadded (the lesson's strings all have one length).
"""

from dataclasses import dataclass

from glassnet import nn
from glassnet.autograd import no_grad
from glassnet.creation import cat, full
from glassnet.models.config import build_config
from glassnet.tensor import int64


@dataclass
class Seq2SeqRNNConfig:
    vocab_size: int = 16  # characters, with 0 the padding and 1 the start token (BOS)
    embedding_dim: int = 32
    hidden_size: int = 128
    layers: int = 1
    bos: int = 1

    def __post_init__(self):
        sizes = (self.vocab_size, self.embedding_dim, self.hidden_size, self.layers)
        if min(sizes) < 1:
            raise ValueError(f"Seq2SeqRNNConfig: sizes must be positive, got {self}")


class Seq2SeqRNN(nn.Module):
    """forward(source (B, S) int64, decoder input (B, T) int64 starting with BOS) -> logits
    (B, T, vocab) (teacher forcing). generate(source, length) decodes greedily."""

    def __init__(self, config=None, **overrides):
        super().__init__()
        self.config = config = build_config(Seq2SeqRNNConfig, config, overrides, "Seq2SeqRNN")
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim)
        self.encoder = nn.LSTM(config.embedding_dim, config.hidden_size, config.layers,
                               batch_first=True)
        self.decoder = nn.LSTM(config.embedding_dim, config.hidden_size, config.layers,
                               batch_first=True)
        self.head = nn.Linear(config.hidden_size, config.vocab_size)

    def encode(self, source):
        """source (B, S) -> the final state (h, c), each (layers, B, H): all the decoder gets."""
        _, state = self.encoder(self.embedding(source))  # (B, S, H) thrown away
        return state

    def decode(self, target_in, state):
        """decoder input (B, T) and a state -> logits (B, T, vocab) and the new state."""
        out, state = self.decoder(self.embedding(target_in), state)  # (B, T, H)
        return self.head(out), state  # (B, T, vocab)

    def forward(self, source, target_in):
        return self.decode(target_in, self.encode(source))[0]

    def generate(self, source, length):
        """Greedy decoding: (B, S) -> (B, length), one character at a time, each fed back."""
        was_training = self.training
        self.eval()
        with no_grad():
            state = self.encode(source)
            token = full((source.shape[0], 1), self.config.bos, dtype=int64)  # (B, 1)
            out = []
            for _ in range(length):
                logits, state = self.decode(token, state)  # (B, 1, vocab)
                token = logits[:, -1].argmax(-1, keepdim=True)  # (B, 1)
                out.append(token)
        self.train(was_training)
        return cat(out, 1)  # (B, length)

    def sequential_steps(self, source_length, target_length):
        """Steps one after another in a training step's forward pass: every character of the
        source, then every character of the target, each waiting for the state before it (layer
        after layer in this implementation)."""
        return self.config.layers * (source_length + target_length)
