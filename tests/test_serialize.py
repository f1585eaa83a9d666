"""save/load: round trips, atomic writes, clear errors, and models moving to PyTorch and back."""

import os
import zipfile

import numpy as np
import pytest

import glassnet as gn
from glassnet import optim
from glassnet.nn.containers import Sequential
from glassnet.nn.linear import Linear
from glassnet.nn.module import Module
from glassnet.serialize import load, save


class Tanh(Module):
    def forward(self, input):
        return input.tanh()


class WithBuffer(Module):
    """Two layers and a buffer: parameters nested in a list, plus state that is not trained."""

    def __init__(self):
        super().__init__()
        self.layers = [Linear(4, 8), Linear(8, 3)]
        self.register_buffer("scale", gn.tensor([2.0, 0.5, 1.0]))

    def forward(self, x):
        return self.layers[1](self.layers[0](x).tanh()) * self.scale  # (B, 3)


def test_state_dict_round_trip_keeps_dtypes_and_values(tmp_path):
    rng = np.random.default_rng(0)
    state = {
        "weight": gn.tensor(rng.standard_normal((3, 4)).astype(np.float32)),
        "double": gn.tensor(rng.standard_normal(5), dtype=gn.float64),
        "count": gn.tensor(np.arange(6).reshape(2, 3)),
        "mask": gn.tensor([True, False, True]),
        "scalar": gn.tensor(3.5),
        "empty": gn.zeros(0, 2),
        "plain_array": rng.standard_normal((2, 2)).astype(np.float32),
    }
    save(state, tmp_path / "sd.npz")
    loaded = load(tmp_path / "sd.npz")
    assert list(loaded) == list(state)
    for key, value in state.items():
        got = loaded[key]
        assert type(got) is type(value), key
        assert got.dtype == value.dtype and got.shape == value.shape, key
        np.testing.assert_array_equal(np.asarray(got), np.asarray(value))
    assert loaded["count"].dtype == np.int64 and loaded["mask"].dtype == np.bool_


def test_nested_checkpoint_round_trip(tmp_path):
    gn.manual_seed(7)
    model = WithBuffer()
    optimizer = optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.9))
    model(gn.randn(2, 4)).sum().backward()
    optimizer.step()
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "step": 10,
        "loss": 0.125,
        "best": float("inf"),
        "name": "digits-mlp ✓",
        "done": False,
        "note": None,
        "history": [1.5, 1.25, (2, "two")],
        "rng": gn.get_rng_state(),
        "config": {"hidden": [8, 3], "activation": "tanh", "numpy_scalar": np.float32(0.5)},
    }
    save(checkpoint, tmp_path / "ckpt.npz")
    loaded = load(tmp_path / "ckpt.npz")
    for key in ("step", "loss", "best", "name", "done", "note", "history", "rng"):
        assert loaded[key] == checkpoint[key], key
        assert type(loaded[key]) is type(checkpoint[key]), key
    assert loaded["rng"]["state"]["state"] > 2**64  # PCG64's 128-bit state survives
    assert loaded["config"]["numpy_scalar"] == np.float32(0.5)
    assert loaded["config"]["numpy_scalar"].dtype == np.float32
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.8, 0.9)
    assert sorted(loaded["optimizer"]["state"]) == [0, 1, 2, 3]  # int keys stay ints
    assert loaded["optimizer"]["state"][0]["step"] == 1

    gn.set_rng_state(loaded["rng"])
    first = gn.randn(3).numpy().copy()
    gn.set_rng_state(checkpoint["rng"])
    np.testing.assert_array_equal(gn.randn(3).numpy(), first)


def test_model_round_trip_gives_identical_outputs(tmp_path):
    gn.manual_seed(1)
    model = WithBuffer()
    model.scale.array[...] = [3.0, -1.0, 0.25]
    save(model.state_dict(), tmp_path / "model.npz")
    gn.manual_seed(2)
    fresh = WithBuffer()
    x = gn.randn(5, 4)
    with gn.no_grad():
        assert not np.array_equal(fresh(x).numpy(), model(x).numpy())
    fresh.load_state_dict(load(tmp_path / "model.npz"))
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_glassnet_state_dict_loads_into_torch(tmp_path):
    torch = pytest.importorskip("torch")
    gn.manual_seed(3)
    model = Sequential(Linear(4, 8), Tanh(), Linear(8, 3))
    save(model.state_dict(), tmp_path / "model.npz")
    state = load(tmp_path / "model.npz")
    reference = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    reference.load_state_dict(
        {key: torch.from_numpy(value.numpy()) for key, value in state.items()}
    )
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    expected = reference(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(model(gn.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_write_is_atomic_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save({"w": gn.ones(3)}, path)

    def failing_fsync(descriptor):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        save({"w": gn.zeros(3)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(load(path)["w"].numpy(), np.ones(3))
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_unsupported_values_fail_before_touching_the_file(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"w": gn.ones(3)}, path)
    with pytest.raises(TypeError, match=r"cannot store generator at the checkpoint\['bad'\]"):
        save({"w": gn.zeros(3), "bad": (i for i in range(2))}, path)
    with pytest.raises(TypeError, match="pickle"):
        save({"objects": np.array([object()])}, path)
    with pytest.raises(TypeError, match="dict keys"):
        save({(1, 2): 3}, path)
    np.testing.assert_array_equal(load(path)["w"].numpy(), np.ones(3))
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_not_a_checkpoint_gives_a_clear_error(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.txt is not a glassnet checkpoint.*zip"):
        load(text)

    plain = tmp_path / "plain.npz"
    np.savez(plain, weight=np.ones(3))
    with pytest.raises(ValueError, match=r"plain\.npz .*no '__glassnet__' entry"):
        load(plain)

    with pytest.raises(FileNotFoundError, match="missing.npz"):
        load(tmp_path / "missing.npz")


def test_truncated_or_damaged_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"w": gn.randn(100, 100)}, path)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"truncated\.npz"):
        load(truncated)

    # flip bytes inside the array's data: the zip's CRC check catches it
    damaged = tmp_path / "damaged.npz"
    middle = len(data) // 2
    damaged.write_bytes(
        data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 64]) + data[middle + 64 :]
    )
    with pytest.raises(ValueError, match=r"damaged\.npz is damaged"):
        load(damaged)


def test_wrong_marker_or_version_is_named(tmp_path):
    def write(header):
        path = tmp_path / "odd.npz"
        np.savez(path, __glassnet__=np.frombuffer(header.encode(), dtype=np.uint8))
        return path

    with pytest.raises(ValueError, match="format marker"):
        load(write('{"format": "something-else", "version": 1, "tree": null}'))
    with pytest.raises(ValueError, match="version 99"):
        load(write('{"format": "glassnet-checkpoint", "version": 99, "tree": null}'))
    with pytest.raises(ValueError, match="missing array 'a0'"):
        load(write('{"format": "glassnet-checkpoint", "version": 1, "tree": {"tensor": "a0"}}'))


def test_file_is_plain_npz_without_pickle(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"w": gn.ones(2, 2), "meta": {"k": "v"}}, path)
    assert zipfile.is_zipfile(path)
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["__glassnet__", "a0"]
        np.testing.assert_array_equal(archive["a0"], np.ones((2, 2), dtype=np.float32))
