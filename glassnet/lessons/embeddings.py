"""Lesson 14, embeddings: words as vectors whose geometry carries meaning.

The article's picture: puppy sits near dog, cat not far, houses far away; and the short vector
that turns man into woman also turns king into queen. Here the vectors are learned from 1.3
million words of real English: the 38 Shakespeare plays (speeches, without the speakers'
names), 106 Wikipedia articles and the 300 Lee news articles (`glassnet data fetch`), lowercased,
words seen fewer than 20 times dropped (5,838 words remain), frequent words subsampled.

The model is skip-gram with negative sampling (Mikolov et al. 2013; glassnet.models.word2vec):
each word's vector is trained to tell the words around it (within 5 on each side) from random
"noise" words, through two nn.Embedding tables of 50 numbers a word, trained with the engine by
Adam (Kingma & Ba 2015; lr 0.05 falling linearly to 0) for 8 epochs, 2,048 centre words a step.
Is a sparse-aware update needed? Measured with cProfile: Adam's dense step over both whole
tables takes about 29% of a training step, while a step touches only about 17% of the centre
rows and 34% of the context rows; a sparse (lazy) update would save about a fifth of the
training time. The lesson fits its budget without it, so it keeps PyTorch's plain Adam; what
mattered for speed was the batch layout (see the model's docstring).

Calibration: gensim's Word2Vec (the standard implementation; gensim 4.4.0, skip-gram,
vector_size 50, window 5, negative 5, min_count 20, sample 1e-3, epochs 8, one worker) on the
same sentences, scored by this lesson's functions (benchmarks/calibrate_embeddings.py,
2026-12-05, numpy 2.4.6), seeds 0-4, against this lesson's training with the same settings:

                                   gensim                    glassnet
    family-section accuracy        0.236-0.324 (mean 0.280)  0.319-0.385 (mean 0.346)
    WordSim-353 Spearman           0.342-0.383 (mean 0.365)  0.449-0.503 (mean 0.477)
    queen's rank, king-man+woman   1 (every seed)            1 (every seed)

glassnet is ahead of gensim here, not behind: Adam gives each word its own step size, and the
batch layout averages over more noise words per centre than word2vec's 5 per pair. With 5 epochs
gensim reaches 0.181-0.297 (one seed under 0.20), hence 8. At 1 epoch (quick mode): gensim
0.049-0.104 family and 0.060-0.069 WordSim, glassnet 0.121-0.302 and 0.325-0.367.

Checks (full mode): family accuracy (Google's analogy set, the 182 family questions whose words
are in the vocabulary; chance is 1 in 5,835) >= 0.20 and no more than 5 points below gensim's
mean; queen among the 5 nearest words to king - man + woman, among words written in lowercase
at least half the time (no names like Margaret), the three query words excluded; WordSim-353
Spearman correlation >= 0.30 (gensim's lowest 0.342). Quick mode trains 1 epoch: family accuracy
>= 0.04 and WordSim >= 0.05, under gensim's lowest at 1 epoch. One-hot vectors, the contrast the
article draws, put every two words at the same distance sqrt(2): recorded, and drawn beside the
learned ones.

glassnet, seeds 0-4 (2026-12-05, CPU time with one BLAS thread: full 24-28 s, quick 5.8-6.3 s):
family 0.319-0.385, WordSim 0.449-0.503, queen first every seed; quick family 0.121-0.302,
WordSim 0.325-0.367. The steps woman - man and queen - king point much the same way: cosine
0.35-0.56 in 50-D, where steps between random common words give -0.01 (recorded; the figure
draws the pairs in the PCA plane of man, woman, king and queen).
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

import glassnet as gn
from glassnet import optim
from glassnet.data import analogies, lee, shakespeare, wiki, wordsim353
from glassnet.lessons.base import LessonConfig, Result
from glassnet.lessons.embeddings_figures import offsets_figure, similarity_figure, training_figure
from glassnet.lessons.steps import Steps
from glassnet.models import word2vec

NAME = "embeddings"
TITLE = "Embeddings: words as vectors, king - man + woman = queen"
IDEA = (
    "A network can turn each word into a list of numbers, a point in space, learned only by "
    "guessing which words appear near which in real text. Words used alike end up close "
    "together, so the nearest neighbours of a word are related to it. Directions carry meaning "
    "too: the step from man to woman is nearly the step from king to queen."
)

QUICK_EPOCHS = 1
GENSIM_FAMILY = 0.280  # gensim's mean family accuracy over seeds 0-4 (see the docstring)
FAMILY_FLOOR = {False: 0.20, True: 0.04}  # (full, quick)
WORDSIM_FLOOR = {False: 0.30, True: 0.05}
QUEEN_RANK = 5
WORD = r"[A-Za-z]+(?:'[A-Za-z]+)*"
NEIGHBOUR_WORDS = ("king", "queen", "father", "daughter", "love", "war", "gold", "horse", "dog",
                   "house", "church", "music", "water", "france")
PAIRS = (("man", "woman"), ("king", "queen"), ("boy", "girl"), ("father", "mother"),
         ("son", "daughter"), ("brother", "sister"), ("husband", "wife"), ("uncle", "aunt"),
         ("prince", "princess"), ("he", "she"))
DRAWN_PAIRS = PAIRS[:5]  # the offsets figure: few enough to read


@dataclass
class Config(LessonConfig):
    dim: int = 50  # numbers per word
    window: int = 5  # context words on each side
    negatives: int = 5  # noise words per real pair
    min_count: int = 20  # rarer words are dropped
    sample: float = 1e-3  # subsampling threshold of frequent words
    epochs: int = 8
    lr: float = 0.05  # Adam's, falling linearly to 0
    batch_size: int = 2048  # centre words per step
    run_length: int = 32  # consecutive centre words that share one window of ids
    shared_negatives: int = 32  # noise words drawn per run

    def validate(self):
        problems = [f"--{name.replace('_', '-')} must be >= 1, got {getattr(self, name)}"
                    for name in ("dim", "window", "negatives", "min_count", "epochs",
                                 "batch_size", "run_length", "shared_negatives")
                    if getattr(self, name) < 1]
        if not 0 < self.sample <= 1:
            problems.append(f"--sample must be in (0, 1], got {self.sample}")
        if self.lr <= 0:
            problems.append(f"--lr must be > 0, got {self.lr}")
        if self.batch_size < self.run_length:
            problems.append(f"--batch-size ({self.batch_size}) must be >= --run-length "
                            f"({self.run_length})")
        if problems:
            raise ValueError("embeddings: " + "; ".join(problems))


class Corpus(NamedTuple):
    words: list  # the vocabulary, most frequent first
    counts: np.ndarray  # (V,) occurrences of each word
    lowercase_share: np.ndarray  # (V,) how often the word is written in lowercase
    tokens: np.ndarray  # (n,) word ids of the text, sentence after sentence
    sentence_ids: np.ndarray  # (n,) which sentence each token belongs to

    def index(self):
        return {word: i for i, word in enumerate(self.words)}


def sentences(download=False):
    """The corpus as a list of sentences (raw text): Shakespeare's speeches without the
    speaker's name, the Wikipedia paragraphs, the Lee articles."""
    found = []
    for speech in shakespeare("all", download=download).split("\n\n"):
        lines = speech.strip("\n").split("\n")
        found.append(" ".join(lines[1:] if lines[0].endswith(":") else lines))
    found += [paragraph for _, text in wiki(download) for paragraph in text.split("\n")]
    return found + lee(download)


def build_corpus(texts, min_count):
    """Tokenise (words of letters and inner apostrophes), lowercase, keep words seen at least
    min_count times (ranked by count, ties alphabetical)."""
    import re
    from collections import Counter

    raw = re.findall(WORD + r"|\n", "\n".join(text.replace("\n", " ") for text in texts))
    forms = Counter(raw)
    counts, lowercase = Counter(), Counter()
    for form, count in forms.items():
        counts[form.lower()] += count
        lowercase[form.lower()] += count if form.islower() else 0
    del counts["\n"]
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    index = {word: i for i, word in enumerate(words)}
    ids = {form: index.get(form.lower(), -1) for form in forms}
    ids["\n"] = -2
    stream = np.fromiter((ids[form] for form in raw), dtype=np.int64, count=len(raw))
    sentence = np.cumsum(stream == -2)
    keep = stream >= 0
    return Corpus(words, np.array([counts[w] for w in words]),
                  np.array([lowercase[w] / counts[w] for w in words]), stream[keep],
                  sentence[keep])


def train(cfg, corpus, epochs, label):
    """A SkipGram trained on the corpus; returns it and the loss after each step."""
    model = word2vec.SkipGram(word2vec.Word2VecConfig(len(corpus.words), cfg.dim, cfg.window,
                                                      cfg.negatives))
    optimizer = optim.Adam(model.parameters(), lr=cfg.lr)
    keep = word2vec.keep_probability(corpus.counts, cfg.sample)[corpus.tokens]
    noise = word2vec.noise_distribution(corpus.counts)
    runs = cfg.batch_size // cfg.run_length
    expected = int(np.ceil(keep.sum() / cfg.batch_size)) * epochs  # steps, for the lr schedule
    rng = gn.random.generator()
    losses = []
    with Steps(label, expected) as steps:
        for _ in range(epochs):
            for ids, weights, negatives in word2vec.batches(
                    corpus.tokens, corpus.sentence_ids, keep, noise, cfg.window,
                    cfg.run_length, runs, cfg.shared_negatives, rng):
                optimizer.param_groups[0]["lr"] = cfg.lr * max(1 - len(losses) / expected, 1e-4)
                loss = model(gn.tensor(ids), weights, gn.tensor(negatives))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
                steps.done(losses[-1])
    return model, np.array(losses)


# ---- what the vectors know ----
def analogy_answers(vectors, questions, candidates=None):
    """For each (a, b, c) of ids, the candidate ids ranked by cosine similarity to
    b - a + c (unit vectors, gensim's most_similar(positive=[b, c], negative=[a])), the query
    words excluded. vectors: (V, D) unit rows; candidates: a boolean mask (V,) or None."""
    a, b, c = (np.asarray(column) for column in zip(*questions))
    targets = vectors[b] - vectors[a] + vectors[c]  # (Q, D)
    scores = targets @ vectors.T  # (Q, V)
    if candidates is not None:
        scores[:, ~candidates] = -np.inf
    rows = np.arange(len(a))
    for column in (a, b, c):
        scores[rows, column] = -np.inf
    return np.argsort(-scores, axis=1)  # (Q, V) best first


def analogy_accuracy(vectors, index, questions):
    """(accuracy, count) over the questions (a, b, c, d) whose four words are in the vocabulary:
    the share whose best answer is d (gensim's evaluate_word_analogies, without its
    vocabulary cut: ours is already smaller)."""
    known = [[index[w.lower()] for w in q] for q in questions
             if all(w.lower() in index for w in q)]
    if not known:
        return 0.0, 0
    best = analogy_answers(vectors, [q[:3] for q in known])[:, 0]
    return float(np.mean(best == np.array([q[3] for q in known]))), len(known)


def ranks(values):
    """Ranks 1..n, ties sharing their average rank (for Spearman's correlation)."""
    order = np.argsort(values, kind="stable")
    sorted_values = np.asarray(values)[order]
    ranked = np.empty(len(values))
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    for start, end in zip(starts, ends):
        ranked[order[start:end]] = (start + end + 1) / 2
    return ranked


def wordsim(vectors, index, pairs):
    """(Spearman correlation, count) between the cosine similarity of each WordSim-353 pair in
    the vocabulary and the mean human judgement."""
    known = [(index[a.lower()], index[b.lower()], score) for a, b, score in pairs
             if a.lower() in index and b.lower() in index]
    cosine = np.array([vectors[a] @ vectors[b] for a, b, _ in known])
    human = np.array([score for _, _, score in known])
    return float(np.corrcoef(ranks(cosine), ranks(human))[0, 1]), len(known)


def neighbours(vectors, words, index, count=6):
    """{word: [(neighbour, cosine), ...]} for the words in the vocabulary."""
    found = {}
    for word in words:
        if word in index:
            scores = vectors @ vectors[index[word]]
            scores[index[word]] = -np.inf
            found[word] = [(int(i), float(scores[i])) for i in np.argsort(-scores)[:count]]
    return found


def offset_cosine(vectors, first, second):
    """Mean cosine similarity of the offsets b - a and d - c over rows of id pairs (a, b) and
    (c, d), e.g. woman - man against queen - king."""
    steps = [vectors[pairs[:, 1]] - vectors[pairs[:, 0]] for pairs in (first, second)]
    norms = [np.linalg.norm(step, axis=1) for step in steps]
    return float(np.mean((steps[0] * steps[1]).sum(1) / (norms[0] * norms[1])))


def random_offset_cosine(vectors, count=1000, common=2000):
    """The same for random pairs of the `common` most frequent words: about 0 in 50-D."""
    rng = np.random.default_rng(0)  # fixed: the same pairs for every seed
    pairs = rng.integers(0, min(common, len(vectors)), (count, 4))
    pairs = pairs[(pairs[:, 0] != pairs[:, 1]) & (pairs[:, 2] != pairs[:, 3])]  # no zero steps
    return offset_cosine(vectors, pairs[:, :2], pairs[:, 2:])


def run(cfg):
    result = Result(NAME, cfg)
    corpus = build_corpus(sentences(download=False), cfg.min_count)
    index = corpus.index()
    epochs = min(cfg.epochs, QUICK_EPOCHS) if cfg.quick else cfg.epochs
    model, losses = train(cfg, corpus, epochs, "skip-gram")
    vectors = model.vectors()  # (V, D) unit rows
    for name, value in (("vocabulary", len(corpus.words)), ("tokens", len(corpus.tokens)),
                        ("epochs", epochs), ("steps", len(losses)), ("final_loss", losses[-1])):
        result.metric(name, value)

    questions = analogies(download=False)
    sections = {name: analogy_accuracy(vectors, index, qs) for name, qs in questions.items()}
    family, asked = sections["family"]
    result.metric("family_questions", asked)
    candidates = corpus.lowercase_share >= 0.5  # common words, not names
    query = [tuple(index[w] for w in ("man", "king", "woman"))]
    ranking = analogy_answers(vectors, query, candidates)[0]
    queen_rank = int(np.flatnonzero(ranking == index["queen"])[0]) + 1
    rho, pairs = wordsim(vectors, index, wordsim353(download=False))
    result.metric("wordsim_pairs", pairs)
    chosen = [index[w] for pair in PAIRS for w in pair]
    onehot = np.zeros((len(chosen), len(corpus.words)))  # (n, V): word i is its unit vector
    onehot[np.arange(len(chosen)), chosen] = 1.0
    onehot_distances = _pairwise(onehot)
    learned_distances = _pairwise(vectors[chosen])
    result.metric("onehot_distance_min", onehot_distances.min())
    result.metric("onehot_distance_max", onehot_distances.max())
    result.metric("learned_distance_min", learned_distances.min())
    result.metric("learned_distance_max", learned_distances.max())
    result.metric("queen_rank", queen_rank)
    man_woman, king_queen = (np.array([[index[a], index[b]]]) for a, b in PAIRS[:2])
    royal = offset_cosine(vectors, man_woman, king_queen)
    random_steps = random_offset_cosine(vectors)
    result.metric("offset_cosine_man_woman_king_queen", royal)
    result.metric("offset_cosine_random_words", random_steps)
    for name, (accuracy, count) in sections.items():
        result.metric(f"analogy_accuracy_{name}", accuracy)

    quick = bool(cfg.quick)
    result.check("family analogy accuracy (Google's set; chance 1 in 5,835)", family, ">=",
                 FAMILY_FLOOR[quick])
    result.check("WordSim-353: Spearman correlation with human similarity", rho, ">=",
                 WORDSIM_FLOOR[quick])
    if not quick:
        result.check(f"family accuracy minus gensim's {GENSIM_FAMILY} (its calibration on the "
                     "same corpus and settings)", family - GENSIM_FAMILY, ">=", -0.05)
        result.check("rank of queen for king - man + woman (lowercase words)", queen_rank, "<=",
                     QUEEN_RANK)

    result.text("Nearest neighbours (cosine similarity)", neighbour_table(
        neighbours(vectors, NEIGHBOUR_WORDS, index), corpus.words))
    result.text("Analogies: b - a + c, the five nearest words (common lowercase words)",
                analogy_table(vectors, index, corpus.words, candidates))
    result.figure(offsets_figure(vectors, index, DRAWN_PAIRS, (royal, random_steps)),
                  "gender_offsets")
    result.figure(similarity_figure(vectors, index), "onehot_vs_learned")
    result.figure(training_figure(losses, sections), "training_and_analogies")
    return result


def _pairwise(points):
    """Euclidean distances between every two rows, as a flat array (i < j)."""
    squared = (points**2).sum(1)
    distances = np.sqrt(np.maximum(squared[:, None] + squared[None] - 2 * points @ points.T, 0))
    return distances[np.triu_indices(len(points), 1)]


def neighbour_table(found, words):
    return "\n".join(f"{word:>9}: " + ", ".join(f"{words[i]} {score:.2f}" for i, score in near)
                     for word, near in found.items())


ANALOGIES = (("man", "king", "woman"), ("man", "father", "woman"), ("he", "his", "she"),
             ("son", "sons", "daughter"), ("man", "brother", "woman"))


def analogy_table(vectors, index, words, candidates):
    lines = []
    for query in ANALOGIES:
        if all(w in index for w in query):
            best = analogy_answers(vectors, [tuple(index[w] for w in query)], candidates)[0, :5]
            a, b, c = query
            lines.append(f"{b} - {a} + {c} = " + ", ".join(words[i] for i in best))
    return "\n".join(lines)
