"""Calibration of lesson 14 (embeddings): gensim's Word2Vec, the standard implementation, trained on
the lesson's own sentences with the lesson's settings, and scored by the lesson's own functions.
The numbers it prints are the ones the lesson docstring records and its thresholds come from.

    pip install gensim==4.4.0   (not a glassnet dependency)
    python benchmarks/calibrate_embeddings.py [--epochs 5] [--seeds 0,1,2,3,4] [--glassnet]

--glassnet also runs the lesson's own training with the same settings and seeds, for a side by
side table. Needs the cached data (`glassnet data fetch`). A benchmark, not a test: slow.
"""

import argparse
import dataclasses
import statistics
import time

import numpy as np

from glassnet.data import analogies, wordsim353
from glassnet.lessons import embeddings


def scores(vectors, corpus):
    """The lesson's three numbers for unit word vectors (V, D) in the corpus' word order."""
    index = corpus.index()
    family, _ = embeddings.analogy_accuracy(vectors, index, analogies(download=False)["family"])
    rho, _ = embeddings.wordsim(vectors, index, wordsim353(download=False))
    candidates = corpus.lowercase_share >= 0.5
    query = [tuple(index[w] for w in ("man", "king", "woman"))]
    ranking = embeddings.analogy_answers(vectors, query, candidates)[0]
    queen = int(np.flatnonzero(ranking == index["queen"])[0]) + 1
    return family, rho, queen


def gensim_vectors(cfg, corpus, texts, seed, epochs):
    """gensim's skip-gram on the same tokens (sentences of the lesson's vocabulary words)."""
    from gensim.models import Word2Vec

    words = np.array(corpus.words)
    cuts = np.flatnonzero(np.diff(corpus.sentence_ids)) + 1
    sentences = [list(words[part]) for part in np.split(corpus.tokens, cuts)]
    model = Word2Vec(sentences, vector_size=cfg.dim, window=cfg.window, negative=cfg.negatives,
                     min_count=cfg.min_count, sample=cfg.sample, epochs=epochs, sg=1,
                     workers=1, seed=seed)
    table = np.stack([model.wv[w] for w in corpus.words])
    return table / np.linalg.norm(table, axis=1, keepdims=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=embeddings.Config.epochs)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--glassnet", action="store_true", help="also train the lesson's model")
    parser.add_argument("--only-glassnet", action="store_true", help="skip gensim")
    parser.add_argument("--set", nargs="*", default=[], metavar="KNOB=VALUE",
                        help="other lesson knobs, e.g. lr=0.01 (for trying variants)")
    args = parser.parse_args()
    import gensim

    knobs = dict(item.split("=", 1) for item in args.set)
    typed = {k: type(getattr(embeddings.Config, k))(v) for k, v in knobs.items()}
    cfg = dataclasses.replace(embeddings.Config(), epochs=args.epochs, **typed)
    texts = embeddings.sentences()
    corpus = embeddings.build_corpus(texts, cfg.min_count)
    print(f"gensim {gensim.__version__}, numpy {np.__version__}; {len(corpus.words)} words, "
          f"{len(corpus.tokens)} tokens; dim {cfg.dim}, window {cfg.window}, negative "
          f"{cfg.negatives}, min_count {cfg.min_count}, sample {cfg.sample}, epochs {args.epochs}")
    rows = {"gensim": [], "glassnet": []}
    for seed in (int(s) for s in args.seeds.split(",")):
        start = time.process_time()
        if not args.only_glassnet:
            rows["gensim"].append(scores(gensim_vectors(cfg, corpus, texts, seed, args.epochs),
                                         corpus))
            print(f"seed {seed} gensim:   family {rows['gensim'][-1][0]:.3f}  wordsim "
                  f"{rows['gensim'][-1][1]:.3f}  queen's rank {rows['gensim'][-1][2]}  "
                  f"({time.process_time() - start:.1f} s CPU)", flush=True)
        if args.glassnet or args.only_glassnet:
            import glassnet as gn

            gn.manual_seed(seed)
            start = time.process_time()
            model, _ = embeddings.train(cfg, corpus, args.epochs, f"seed {seed}")
            rows["glassnet"].append(scores(model.vectors(), corpus))
            print(f"seed {seed} glassnet: family {rows['glassnet'][-1][0]:.3f}  wordsim "
                  f"{rows['glassnet'][-1][1]:.3f}  queen's rank {rows['glassnet'][-1][2]}  "
                  f"({time.process_time() - start:.1f} s CPU)", flush=True)
    for name, found in rows.items():
        if found:
            family, rho, queen = zip(*found)
            print(f"{name}: family {min(family):.3f}-{max(family):.3f} (mean "
                  f"{statistics.mean(family):.3f}), wordsim {min(rho):.3f}-{max(rho):.3f} (mean "
                  f"{statistics.mean(rho):.3f}), queen's rank {min(queen)}-{max(queen)}")


if __name__ == "__main__":
    main()
