"""gn.utils.data against torch.utils.data: the same batches in the same order (values, dtypes,
structure), the same lengths and the same errors for the same arguments; shuffled orders are
glassnet's own (another generator), checked for being permutations and reproducible."""

import collections
import inspect

import numpy as np
import pytest

import glassnet as gn
from glassnet.utils import data

torch = pytest.importorskip("torch")
tdata = torch.utils.data


def _numpy(value):
    """A batch from either library as nested lists/dicts of arrays, to compare."""
    if isinstance(value, (gn.Tensor, torch.Tensor)):
        return np.asarray(value.detach().numpy() if isinstance(value, torch.Tensor) else
                          value.numpy())
    if isinstance(value, dict):
        return {key: _numpy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_numpy(item) for item in value) if not hasattr(value, "_fields") \
            else ("namedtuple", type(value).__name__, [_numpy(item) for item in value])
    return value


def _assert_same(ours, theirs):
    ours, theirs = _numpy(ours), _numpy(theirs)
    if isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray) and ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)
    elif isinstance(theirs, dict):
        assert list(ours) == list(theirs)
        for key in theirs:
            _assert_same(ours[key], theirs[key])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _assert_same(a, b)
    else:
        assert ours == theirs


def _make(lib, kind):
    """The same dataset built with either library's base classes."""
    base = lib.utils.data
    x = np.arange(30, dtype=np.float32).reshape(10, 3)
    y = np.arange(10) % 3
    Pair = collections.namedtuple("Pair", "a b")

    class Items(base.Dataset):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            if kind == "dict":
                return {"x": x[i], "n": int(y[i]), "w": float(i) / 2, "name": f"s{i}"}
            if kind == "nested":
                return (lib.tensor(x[i]), [int(y[i]), bool(i % 2)], Pair(np.float64(i), x[i]))
            return x[i], int(y[i])

    class Stream(base.IterableDataset):
        def __iter__(self):
            return ((lib.tensor(x[i]), int(y[i])) for i in range(7))

        def __len__(self):
            return 7

    if kind == "tensors":
        return base.TensorDataset(lib.tensor(x), lib.tensor(y))
    if kind == "stream":
        return Stream()
    if kind == "concat":
        return base.ConcatDataset([base.TensorDataset(lib.tensor(x[:4])),
                                   base.TensorDataset(lib.tensor(x[4:]))])
    if kind == "subset":
        return base.Subset(base.TensorDataset(lib.tensor(x), lib.tensor(y)), [7, 2, 2, 9, 0])
    return Items()


LOADERS = [
    ("tensors", {"batch_size": 4}),
    ("tensors", {"batch_size": 4, "drop_last": True}),
    ("tensors", {"batch_size": None}),
    ("items", {"batch_size": 3}),
    ("items", {}),
    ("items", {"batch_size": None}),
    ("dict", {"batch_size": 4}),
    ("nested", {"batch_size": 3, "drop_last": True}),
    ("stream", {"batch_size": 3}),
    ("stream", {"batch_size": 3, "drop_last": True}),
    ("stream", {"batch_size": None}),
    ("concat", {"batch_size": 3}),
    ("subset", {"batch_size": 2}),
    ("tensors", {"batch_size": 4, "num_workers": 2, "pin_memory": True}),
    ("tensors", {"batch_sampler": [[3, 1], [0], [9, 8, 7]]}),
    ("items", {"sampler": [5, 0, 5], "batch_size": 2}),
]


@pytest.mark.parametrize("kind,options", LOADERS, ids=lambda v: str(v))
def test_loader_gives_torchs_batches(kind, options):
    torch_options = dict(options)
    if torch_options.get("num_workers"):  # same batches; torch's workers would be processes
        torch_options = {"batch_size": options["batch_size"]}
    ours = data.DataLoader(_make(gn, kind), **options)
    theirs = tdata.DataLoader(_make(torch, kind), **torch_options)
    assert len(ours) == len(theirs)
    batches = list(ours)
    expected = list(theirs)
    assert len(batches) == len(expected)
    for mine, reference in zip(batches, expected):
        _assert_same(mine, reference)


def test_default_collate_and_convert_match_torch():
    Point = collections.namedtuple("Point", "x y")
    batch = [{"a": (1, 2.5, True), "b": [np.ones(2, np.float32)], "p": Point(1, np.int32(3)),
              "s": "text"} for _ in range(3)]
    _assert_same(data.default_collate(batch), tdata.default_collate(batch))
    item = {"x": np.arange(3), "t": (np.zeros(2), "s", 4)}
    _assert_same(data.default_convert(item), tdata.default_convert(item))
    with pytest.raises(RuntimeError, match="equal size"):
        data.default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="batch must contain"):
        data.default_collate([object()])


@pytest.mark.filterwarnings("ignore:.*is 0")
@pytest.mark.parametrize("lengths", [[0.7, 0.3], [0.34, 0.33, 0.33], [3, 7], [0.5, 0.5, 0.0]])
def test_random_split_lengths_and_cover_match_torch(lengths):
    ours = data.random_split(range(10), lengths, generator=np.random.default_rng(1))
    theirs = tdata.random_split(range(10), lengths, generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert sorted(i for subset in ours for i in subset) == list(range(10))
    again = data.random_split(range(10), lengths, generator=1)
    assert [list(s) for s in again] == [list(s) for s in data.random_split(range(10), lengths,
                                                                           generator=1)]
    assert all(isinstance(s.indices, list) for s in ours)


def test_random_split_bad_lengths():
    with pytest.raises(ValueError, match="sum to the length"):
        data.random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="between 0 and 1"):
        data.random_split(range(10), [1.5, -0.5])


def test_concat_dataset_indexing_as_torch():
    ours, theirs = _make(gn, "concat"), _make(torch, "concat")
    assert ours.cumulative_sizes == theirs.cumulative_sizes == [4, 10]
    for i in (0, 3, 4, 9, -1, -10):
        _assert_same(ours[i], theirs[i])
    added = data.TensorDataset(gn.zeros(2)) + data.TensorDataset(gn.ones(3))
    assert isinstance(added, data.ConcatDataset) and len(added) == 5
    with pytest.raises(TypeError, match="IterableDataset"):
        data.ConcatDataset([_make(gn, "stream")])


def test_shuffle_is_reproducible_and_a_new_permutation_each_epoch():
    dataset = data.TensorDataset(gn.arange(40))
    loader = data.DataLoader(dataset, batch_size=8, shuffle=True, generator=3)
    first, second = ([int(v) for b in loader for v in b[0].numpy()] for _ in range(2))
    assert sorted(first) == sorted(second) == list(range(40)) and first != second
    again = data.DataLoader(dataset, batch_size=8, shuffle=True,
                            generator=np.random.default_rng(3))
    assert [int(v) for b in again for v in b[0].numpy()] == first
    gn.manual_seed(7)
    global_order = [int(v) for b in data.DataLoader(dataset, 40, shuffle=True) for v in b[0]]
    gn.manual_seed(7)
    assert [int(v) for b in data.DataLoader(dataset, 40, shuffle=True) for v in b[0]] == \
        global_order


def test_samplers():
    source = range(10)
    assert list(data.SequentialSampler(source)) == list(range(10))
    perm = list(data.RandomSampler(source, generator=0))
    assert sorted(perm) == list(range(10))
    more = list(data.RandomSampler(source, num_samples=25, generator=0))
    assert len(more) == 25 and sorted(more[:10]) == sorted(more[10:20]) == list(range(10))
    drawn = list(data.RandomSampler(source, replacement=True, num_samples=1000, generator=0))
    assert len(drawn) == 1000 and set(drawn) == set(range(10))
    endless = iter(data.RandomSampler(source, replacement=True, num_samples=int(1e10)))
    assert all(0 <= next(endless) < 10 for _ in range(5000))  # minGPT's and makemore's loader
    assert len(data.RandomSampler(source, replacement=True, num_samples=int(1e10))) == int(1e10)
    subset = list(data.SubsetRandomSampler([4, 6, 8], generator=2))
    assert sorted(subset) == [4, 6, 8]
    weighted = list(data.WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=0))
    counts = np.bincount(weighted, minlength=3)
    assert counts[0] == 0 and 2.6 < counts[2] / counts[1] < 3.4
    unique = list(data.WeightedRandomSampler([1, 1, 1, 5], 4, replacement=False, generator=0))
    assert sorted(unique) == [0, 1, 2, 3]
    batches = data.BatchSampler(data.SequentialSampler(range(10)), 3, drop_last=False)
    assert list(batches) == list(tdata.BatchSampler(tdata.SequentialSampler(range(10)), 3, False))
    assert len(batches) == 4 and len(data.BatchSampler(range(10), 3, True)) == 3
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        data.BatchSampler(range(3), 0, False)
    with pytest.raises(RuntimeError, match="without replacement"):
        data.WeightedRandomSampler([1, 0, 1], 3, replacement=False)
    assert list(data.BatchSampler([5, 1, 2], 2, False)) == [[5, 1], [2]]


def test_sampler_subclass_with_its_own_iter_is_iterated():
    class Reversed(data.SequentialSampler):
        def __iter__(self):
            return iter(range(len(self.data_source) - 1, -1, -1))

    dataset = data.TensorDataset(gn.arange(5))
    loader = data.DataLoader(dataset, batch_size=2, sampler=Reversed(dataset))
    assert [b[0].tolist() for b in loader] == [[4, 3], [2, 1], [0]]


def test_endless_random_sampler_loader_like_mingpt():
    dataset = data.TensorDataset(gn.arange(6), gn.arange(6) * 2)
    sampler = data.RandomSampler(dataset, replacement=True, num_samples=int(1e10))
    batches = iter(data.DataLoader(dataset, sampler=sampler, batch_size=4, shuffle=False,
                                   pin_memory=True, num_workers=4))
    for _ in range(3):
        x, y = next(batches)
        assert x.shape == (4,) and (y.numpy() == 2 * x.numpy()).all()


@pytest.mark.parametrize("options,words", [
    ({"shuffle": True, "sampler": [0, 1]}, "mutually exclusive with shuffle"),
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
    ({"batch_size": None, "drop_last": True}, "mutually exclusive with drop_last"),
    ({"num_workers": -1}, "num_workers option should be non-negative"),
    ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
    ({"prefetch_factor": 2}, "prefetch_factor option could only be specified"),
    ({"batch_size": 0}, "batch_size should be a positive integer"),
])
def test_loader_errors_as_torch(options, words):
    with pytest.raises(ValueError, match=words):
        data.DataLoader(_make(gn, "tensors"), **options)
    with pytest.raises(ValueError):
        tdata.DataLoader(_make(torch, "tensors"), **options)


def test_iterable_dataset_refuses_shuffle_and_samplers():
    with pytest.raises(ValueError, match="IterableDataset"):
        data.DataLoader(_make(gn, "stream"), shuffle=True)
    with pytest.raises(ValueError, match="IterableDataset"):
        data.DataLoader(_make(gn, "stream"), sampler=[0])


def test_worker_init_fn_runs_in_process():
    calls = []
    loader = data.DataLoader(_make(gn, "tensors"), batch_size=5, num_workers=2,
                             worker_init_fn=calls.append)
    assert len(list(loader)) == 2 and calls == [0]
    assert data.get_worker_info() is None


@pytest.mark.parametrize("name", [
    "DataLoader", "TensorDataset", "ConcatDataset", "Subset", "RandomSampler",
    "SequentialSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
    "random_split",
])
def test_signatures_are_torchs(name):
    ours = inspect.signature(getattr(data, name)).parameters
    theirs = inspect.signature(getattr(tdata, name)).parameters
    assert [p for p in ours if p != "rng"] == list(theirs)
    for key, parameter in theirs.items():
        plain = isinstance(parameter.default, (type(None), bool, int, float, str))
        if parameter.default is not inspect.Parameter.empty and plain:
            assert ours[key].default == parameter.default, key


def test_module_paths_as_torch():
    from glassnet.utils.data import dataloader, dataset, sampler

    assert dataset.IterableDataset is data.IterableDataset  # the Transformer tutorial's import
    assert sampler.SubsetRandomSampler is data.SubsetRandomSampler
    assert dataloader.default_collate is data.default_collate
    assert gn.data.DataLoader is data.DataLoader  # glassnet.data keeps re-exporting


def test_summary_writer_keeps_scalars_as_csv(tmp_path):
    from glassnet.utils.tensorboard import SummaryWriter

    with SummaryWriter(log_dir=tmp_path / "run") as writer:  # makemore's use
        writer.add_scalar("Loss/train", gn.tensor(2.5), 0)
        writer.add_scalars("Loss", {"test": 3.0}, 1)
        writer.add_histogram("weights", np.zeros(3), 1)
        writer.flush()
    rows = (tmp_path / "run" / "scalars.csv").read_text().splitlines()
    assert rows[0] == "tag,step,value,wall_time"
    assert rows[1].startswith("Loss/train,0,2.5,") and rows[2].startswith("Loss/test,1,3.0,")
