"""glassnet.data: loader, conversions, generated sets and tokenizers (the fetch mechanism is
tested in test_data_sources.py). Nothing here needs the network; real-data checks need a cache."""

import gzip
import io
import json
import os

import numpy as np
import pytest

import glassnet as gn
from glassnet.data import (
    CharTokenizer,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    WordTokenizer,
    datasets,
    random_split,
    sources,
    synthetic,
)
from glassnet.data.loader import default_collate

# ---- loader ----

class ListDataset(Dataset):
    def __init__(self, *arrays):
        self.arrays = arrays

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)

    def __len__(self):
        return len(self.arrays[0])


def _xy(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    return x, np.arange(n, dtype=np.int64)


def _collect(loader):
    return [[t.numpy() for t in batch] for batch in loader]


def test_tensor_dataset_items_and_size_check():
    x, y = _xy()
    ds = TensorDataset(x, gn.tensor(y))
    assert len(ds) == 10
    xi, yi = ds[3]
    np.testing.assert_array_equal(xi.numpy(), x[3])
    assert yi.item() == 3
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(x, y[:5])


@pytest.mark.parametrize("drop_last, sizes", [(False, [4, 4, 2]), (True, [4, 4])])
def test_loader_batches_in_order(drop_last, sizes):
    x, y = _xy()
    loader = DataLoader(TensorDataset(x, y), batch_size=4, drop_last=drop_last)
    batches = _collect(loader)
    assert len(loader) == len(sizes)
    assert [b[0].shape[0] for b in batches] == sizes
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y[:sum(sizes)])
    assert batches[0][0].shape == (4, 3) and batches[0][1].dtype == np.int64


def test_shuffle_is_a_new_permutation_each_epoch_and_reproducible():
    x, y = _xy(50)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, rng=123)
    epoch1 = np.concatenate([b[1] for b in _collect(loader)])
    epoch2 = np.concatenate([b[1] for b in _collect(loader)])
    assert sorted(epoch1) == list(range(50)) and sorted(epoch2) == list(range(50))
    assert not np.array_equal(epoch1, epoch2)
    again = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, rng=123)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in _collect(again)]), epoch1)
    other = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, rng=124)
    assert not np.array_equal(np.concatenate([b[1] for b in _collect(other)]), epoch1)


def test_shuffle_without_rng_follows_the_global_seed():
    x, y = _xy(30)
    loader = DataLoader(TensorDataset(x, y), batch_size=30, shuffle=True)
    gn.manual_seed(5)
    first = _collect(loader)[0][1]
    gn.manual_seed(5)
    np.testing.assert_array_equal(_collect(loader)[0][1], first)


def test_fast_path_matches_the_per_item_path():
    x, y = _xy(23)
    fast = DataLoader(TensorDataset(x, y), batch_size=5, shuffle=True, rng=7)
    slow = DataLoader(ListDataset(x, y), batch_size=5, shuffle=True, rng=7)
    for (fx, fy), (sx, sy) in zip(_collect(fast), _collect(slow), strict=True):
        np.testing.assert_array_equal(fx, sx)
        np.testing.assert_array_equal(fy, sy)
        assert fx.dtype == sx.dtype and fy.dtype == sy.dtype


def test_default_collate_types():
    batch = default_collate([(1, 0.5, "a", {"k": np.ones(2)}), (2, 1.5, "b", {"k": np.zeros(2)})])
    ints, floats, strings, mapping = batch
    assert ints.dtype == np.int64 and floats.dtype == np.float64
    assert strings == ["a", "b"] and mapping["k"].shape == (2, 2)
    with pytest.raises(TypeError, match="batch must contain"):
        default_collate([object()])


def test_random_split_and_subset_fast_path():
    x, y = _xy(20)
    train, test = random_split(TensorDataset(x, y), [0.75, 0.25], rng=0)
    assert (len(train), len(test)) == (15, 5)
    seen = np.concatenate([b[1] for b in _collect(DataLoader(train, batch_size=4))]
                          + [b[1] for b in _collect(DataLoader(test, batch_size=4))])
    assert sorted(seen) == list(range(20))
    nested = Subset(train, [2, 0])
    np.testing.assert_array_equal(_collect(DataLoader(nested, batch_size=2))[0][1],
                                  np.asarray(train.indices)[[2, 0]])
    with pytest.raises(ValueError, match="sum to"):
        random_split(TensorDataset(x, y), [10, 5])
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(TensorDataset(x, y), batch_size=0)


# ---- conversions (small inputs made here) ----

PLAY = """# A Play

## ACT I

### SCENE I. A heath.

_Thunder. Enter two
WITCHES_

**First Witch**  
When shall we three meet again\\--  
_\\[Aside]_  
In thunder, lightning, or in rain?

_Exit Second Witch_

Or in the fog? *[Reads.]*

**ALL**  
Fair is foul.

### SCENE II. A camp.

lying asleep.
"""


def test_markdown_play_to_text():
    assert datasets.markdown_play_to_text(PLAY) == (
        "First Witch:\nWhen shall we three meet again--\nIn thunder, lightning, or in rain?\n"
        "Or in the fog?\n\nALL:\nFair is foul.")


def test_convert_analogies_and_mnist():
    contents = {datasets._QUESTIONS: b": family\nboy girl king queen\n: gram\na b c d\n",
                datasets._WORDSIM: b"# comment\nlove\tsex\t6.77\n"}
    parsed = json.loads(datasets._convert_analogies(contents))
    assert parsed["analogies"] == {"family": [["boy", "girl", "king", "queen"]],
                                   "gram": [["a", "b", "c", "d"]]}
    assert parsed["wordsim353"] == [["love", "sex", 6.77]]
    rows = np.random.default_rng(0).integers(0, 256, (3, 785))
    rows[:, -1] = [7, 1, 0]
    csv = "\n".join(",".join(map(str, r)) for r in rows).encode()
    with np.load(io.BytesIO(datasets._convert_mnist({"m": gzip.compress(csv)}))) as archive:
        assert archive["images"].shape == (3, 28, 28) and archive["images"].dtype == np.uint8
        np.testing.assert_array_equal(archive["images"][1].ravel(), rows[1, :-1])
        np.testing.assert_array_equal(archive["labels"], [7, 1, 0])


def test_area_resize():
    matrix = datasets.area_resize_matrix(28, 16)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0, rtol=1e-12)
    images = np.random.default_rng(0).random((2, 28, 28))
    halved = datasets.resize_area(images, 14)
    np.testing.assert_allclose(halved, images.reshape(2, 14, 2, 14, 2).mean(axis=(2, 4)),
                               rtol=1e-12)
    resized = datasets.resize_area(images, 16)  # area averaging keeps the mean brightness
    np.testing.assert_allclose(resized.mean(axis=(1, 2)), images.mean(axis=(1, 2)), rtol=1e-12)


def test_digits_split_is_fixed_and_stratified():
    labels = np.repeat(np.arange(10), 500)
    train, test = datasets.digits_split(labels)
    assert len(train) == 4000 and len(test) == 1000 and not set(train) & set(test)
    assert (np.bincount(labels[test]) == 100).all()
    again_train, _ = datasets.digits_split(labels)
    np.testing.assert_array_equal(train, again_train)
    assert len(set(labels[train[:50]])) >= 8  # shuffled, not sorted by class


def _cached(name):
    return sources.cache_status(name) == "cached"


@pytest.mark.skipif(not _cached("digits16"), reason="digits16 not in the cache")
def test_real_digits16_from_cache():
    digits = datasets.load_digits()
    assert digits.x_train.shape == (4000, 1, 16, 16) and digits.x_test.shape == (1000, 1, 16, 16)
    assert digits.y_train.dtype == np.int64 and digits.x_train.dtype == np.float32
    assert (np.bincount(digits.y_test) == 100).all()
    assert 0 <= digits.x_train.min() and digits.x_train.max() <= 1
    binary = datasets.digits16("test", binary=True)
    assert set(np.unique(binary.tensors[0].numpy())) == {0.0, 1.0}


@pytest.mark.skipif(not _cached("shakespeare") or not _cached("analogies"),
                    reason="shakespeare or analogies not in the cache")
def test_real_text_sets_from_cache():
    train, val = datasets.shakespeare("train"), datasets.shakespeare("val")
    assert 4_000_000 < len(train) and 300_000 < len(val) < 700_000
    assert not set("_*#[]\\") & set(train + val)
    questions = datasets.analogies()
    assert len(questions) == 14 and sum(map(len, questions.values())) == 19544
    assert len(datasets.wordsim353()) == 353


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("GLASSNET_FETCH_TESTS") != "1",
                    reason="needs the network: set GLASSNET_FETCH_TESTS=1 and run -m slow")
def test_real_fetch_digits16():
    assert sources.fetch("digits16").exists() and _cached("digits16")


# ---- generated data ----

GENERATORS = [synthetic.blobs, synthetic.xor_clusters, synthetic.circles, synthetic.moons,
              synthetic.spirals]


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_2d_sets_are_deterministic_and_balanced(make):
    x, y = make(n=200, rng=3)
    assert x.shape == (200, 2) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [100, 100])
    x2, y2 = make(n=200, rng=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(make(n=200, rng=4)[0], x)


def test_blobs_are_separable_and_xor_is_not():
    x, y = synthetic.blobs(n=400, rng=0)
    assert ((x.sum(axis=1) > 0) == (y == 1)).all()
    x, y = synthetic.xor_clusters(n=400, rng=0)
    features = np.hstack([x, np.ones((len(x), 1))])
    weights = np.linalg.lstsq(features, 2.0 * y - 1, rcond=None)[0]
    assert ((features @ weights > 0) == (y == 1)).mean() <= 0.8


def test_linear_regression_recovers_its_weights():
    x, y = synthetic.linear_regression(n=500, weights=(2.0, -3.0), bias=0.5, noise=0.01, rng=0)
    solution = np.linalg.lstsq(np.hstack([x, np.ones((500, 1))]), y, rcond=None)[0]
    np.testing.assert_allclose(solution, [2.0, -3.0, 0.5], atol=0.01)


# ---- tokenizers ----

def test_char_tokenizer_round_trip():
    tokenizer = CharTokenizer("hello world")
    assert tokenizer.vocab_size == 8 and tokenizer.itos[0] == " "
    ids = tokenizer.encode("low")
    assert ids.dtype == np.int64 and tokenizer.decode(ids) == "low"
    assert tokenizer.decode(gn.tensor(ids)) == "low"
    with pytest.raises(KeyError, match="'z'"):
        tokenizer.encode("z")


def test_word_tokenizer():
    tokenizer = WordTokenizer("The cat sat. The dog didn't sit!", min_count=1)
    assert tokenizer.tokenize("Didn't stop.") == ["didn't", "stop", "."]
    assert tokenizer.itos[:2] == ["<unk>", "the"]
    ids = tokenizer.encode("the cat flew")
    assert ids[-1] == 0 and tokenizer.decode(ids) == "the cat <unk>"
    assert WordTokenizer("a a b", min_count=2).itos == ["<unk>", "a"]
