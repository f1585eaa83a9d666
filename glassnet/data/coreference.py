"""Sentences whose pronoun only meaning can resolve, for the attention lesson.

The article's example: "the animal didn't cross the street because it was too tired" (it = the
animal) against "... because it was too wide" (it = the street). Grammar cannot tell which noun
"it" means; the adjective does. Here many animals, places, adjectives and a few phrasings make a
distribution of such sentences; some (animal, place) pairs are held out of training, so a model
that resolves them must use the nouns it reads, not pairs it memorised.

Each sentence is a list of lowercase words; `Sentences` holds them as word ids with the positions
of "it", of the animal and of the place, and which noun "it" refers to.
"""

from typing import NamedTuple

import numpy as np

from glassnet import random

ANIMALS = ("animal", "dog", "cat", "horse", "cow", "fox", "deer", "rabbit", "sheep", "goat",
           "bear", "wolf", "pig", "duck", "mouse", "tiger", "lion", "donkey", "camel", "hen")
PLACES = ("street", "road", "river", "bridge", "field", "yard", "square", "path", "lane",
          "track", "canal", "highway", "stream", "meadow", "valley", "ditch", "avenue", "creek",
          "plaza", "railway")
# adjectives that fit only one of the two: a tired road, a wide dog would be odd
ANIMAL_ADJECTIVES = ("tired", "hungry", "scared", "sleepy", "lazy", "nervous", "sick", "weak")
PLACE_ADJECTIVES = ("wide", "busy", "wet", "crowded", "muddy", "icy", "slippery", "flooded")
# {A}: the animal, {P}: the place, {J}: the adjective; "it" appears once in each
TEMPLATES = (
    "the {A} didn't cross the {P} because it was too {J}",
    "the {A} did not cross the {P} because it was too {J}",
    "the {A} would not cross the {P} because it was so {J}",
    "the {A} refused to cross the {P} as it was too {J}",
    "the {A} never crossed the {P} because it was very {J}",
)
ANIMAL, PLACE = 0, 1  # what "it" refers to
PAD = "<pad>"


def vocabulary():
    """Every word any sentence uses, PAD first (id 0), in a fixed order."""
    words = [PAD]
    for template in TEMPLATES:
        words += [w for w in template.split() if not w.startswith("{")]
    words += list(ANIMALS) + list(PLACES) + list(ANIMAL_ADJECTIVES) + list(PLACE_ADJECTIVES)
    return list(dict.fromkeys(words))


class Sentences(NamedTuple):
    ids: np.ndarray  # (N, T) int64 word ids, padded with 0 at the end
    it: np.ndarray  # (N,) position of "it"
    animal: np.ndarray  # (N,) position of the animal noun
    place: np.ndarray  # (N,) position of the place noun
    refers_to: np.ndarray  # (N,) ANIMAL (0) or PLACE (1)
    referent: np.ndarray  # (N,) the word id of the noun "it" refers to
    words: list  # N lists of words, for figures


def held_out_pairs(per_animal=5):
    """A fixed set of (animal, place) index pairs kept out of training: each animal loses
    `per_animal` of its 20 places and each place `per_animal` of its 20 animals (place =
    7 * animal + k mod 20, k < per_animal; 7 is prime to 20), so every noun is still seen in
    training, with other partners."""
    return frozenset((a, (7 * a + k) % len(PLACES)) for a in range(len(ANIMALS))
                     for k in range(per_animal))


def sentence(animal, place, adjective, template):
    """The words of one sentence and the positions of it, the animal and the place."""
    words = TEMPLATES[template].replace("{A}", ANIMALS[animal]).replace(
        "{P}", PLACES[place]).replace("{J}", adjective).split()
    marked = TEMPLATES[template].split()
    return words, marked.index("it"), marked.index("{A}"), marked.index("{P}")


def sentences(n, split="train", rng=None, held_out=None):
    """n sentences; split 'train' draws (animal, place) pairs outside the held-out set, 'test'
    only from it, 'all' from every pair. Half refer to the animal, half to the place."""
    if split not in ("train", "test", "all"):
        raise ValueError(f"sentences: split must be 'train', 'test' or 'all', got {split!r}")
    gen = random.generator(rng)
    held = held_out_pairs() if held_out is None else held_out
    pairs = [(a, p) for a in range(len(ANIMALS)) for p in range(len(PLACES))
             if split == "all" or ((a, p) in held) == (split == "test")]
    if not pairs:
        raise ValueError(f"sentences: no (animal, place) pair is in the {split!r} split")
    vocab = {word: i for i, word in enumerate(vocabulary())}
    length = max(len(t.split()) for t in TEMPLATES)
    ids = np.zeros((n, length), dtype=np.int64)
    fields = {key: np.zeros(n, dtype=np.int64) for key in
              ("it", "animal", "place", "refers_to", "referent")}
    word_lists = []
    for row in range(n):
        animal, place = pairs[gen.integers(len(pairs))]
        refers_to = row % 2
        adjectives = ANIMAL_ADJECTIVES if refers_to == ANIMAL else PLACE_ADJECTIVES
        adjective = adjectives[gen.integers(len(adjectives))]
        words, it, a_pos, p_pos = sentence(animal, place, adjective,
                                           int(gen.integers(len(TEMPLATES))))
        ids[row, : len(words)] = [vocab[w] for w in words]
        noun = ANIMALS[animal] if refers_to == ANIMAL else PLACES[place]
        for key, value in (("it", it), ("animal", a_pos), ("place", p_pos),
                           ("refers_to", refers_to), ("referent", vocab[noun])):
            fields[key][row] = value
        word_lists.append(words)
    order = gen.permutation(n)
    return Sentences(ids[order], *(fields[k][order] for k in
                                   ("it", "animal", "place", "refers_to", "referent")),
                     [word_lists[i] for i in order])
