"""Whole objects in a checkpoint (serialize_objects.py): save(model) / load() without pickle, the
classes a file may name (PyTorch's weights_only rule), tied weights, names of functions, and
the refusals that say why."""

import json
import os
import sys
from dataclasses import dataclass

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet import serialize_objects as objects
from glassnet.nn import functional as F
from glassnet.serialize import MARKER, load, save


@dataclass
class TinyConfig:
    vocab: int = 7
    width: int = 4


class TinyLM(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.encoder = nn.Embedding(config.vocab, config.width)
        self.rnn = nn.GRU(config.width, config.width)
        self.decoder = nn.Linear(config.width, config.vocab)
        self.decoder.weight = self.encoder.weight  # tied, as in the word language model
        self.act = F.relu
        self.squash = gn.tanh  # Tensor.tanh, whose own qualified name names nothing
        self.register_buffer("scale", gn.ones(1))
        self.register_buffer("mask", gn.zeros(2), persistent=False)

    def forward(self, idx):
        out, _ = self.rnn(self.encoder(idx))
        return self.decoder(self.squash(self.act(out))) * self.scale


def tiny():
    gn.manual_seed(0)
    return TinyLM(TinyConfig())


def test_a_model_of_glassnet_layers_loads_back_by_default(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.LayerNorm(4), nn.Dropout(0.2))
    model.eval()
    save(model, tmp_path / "model.npz")
    back = load(tmp_path / "model.npz")
    x = gn.randn(2, 3)
    assert type(back) is nn.Sequential and back is not model and not back.training
    assert isinstance(back[0].weight, nn.Parameter) and back[0].weight.requires_grad
    np.testing.assert_array_equal(back(x).detach().numpy(), model(x).detach().numpy())
    assert back.state_dict().keys() == model.state_dict().keys()


def test_a_script_class_needs_allowing_as_in_pytorch(tmp_path):
    model = tiny()
    save(model, tmp_path / "lm.npz")
    with pytest.raises(RuntimeError, match=r"holds a test_serialize_objects.TinyLM, which is not "
                                           r"an allowed global.*add_safe_globals\(\[TinyLM\]\)"):
        load(tmp_path / "lm.npz")
    with objects.safe_globals([TinyLM, TinyConfig]):
        back = load(tmp_path / "lm.npz")
    assert objects.get_safe_globals() == []  # the block's allowance ends with it
    idx = gn.tensor([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_allclose(back(idx).detach().numpy(), model(idx).detach().numpy())
    assert back.decoder.weight is back.encoder.weight  # still tied: one parameter
    assert len(list(back.parameters())) == len(list(model.parameters()))
    assert back.act is F.relu and back.squash is gn.tanh and back.config == TinyConfig()
    assert back._transient_buffers == {"mask"} and "mask" not in back.state_dict()
    trusted = load(tmp_path / "lm.npz", weights_only=False)  # any class already imported
    assert type(trusted) is TinyLM
    objects.add_safe_globals([TinyLM, (TinyConfig, "test_serialize_objects.TinyConfig")])
    try:
        assert type(load(tmp_path / "lm.npz")) is TinyLM
    finally:
        objects.clear_safe_globals()


def test_training_state_survives_the_round_trip(tmp_path):
    model = nn.Linear(2, 2)
    model.weight.requires_grad_(False)
    optimizer = gn.optim.SGD(model.parameters(), lr=0.1)
    save({"model": model, "optimizer": optimizer.state_dict(), "step": 3}, tmp_path / "c.npz")
    back = load(tmp_path / "c.npz")
    assert back["step"] == 3 and not back["model"].weight.requires_grad
    assert back["model"].bias.requires_grad


def test_what_cannot_be_named_is_refused_at_save(tmp_path):
    model = nn.Linear(2, 2)
    model.hook = lambda x: x
    with pytest.raises(TypeError, match=r"the checkpoint.hook is .*a lambda.*module-level"):
        save(model, tmp_path / "m.npz")
    assert not os.path.exists(tmp_path / "m.npz")
    model.hook = open  # a builtin is named by its module, builtins: fine
    save(model, tmp_path / "m.npz")

    def local(x):
        return x

    model.hook = local
    with pytest.raises(TypeError, match="made inside another function"):
        save(model, tmp_path / "m.npz")
    model.hook = np.random.default_rng(0)
    with pytest.raises(TypeError, match=r"cannot store Generator at the checkpoint.hook"):
        save(model, tmp_path / "m.npz")


def test_plain_checkpoints_keep_the_first_version(tmp_path):
    save({"w": gn.ones(2), "n": [1, 2.5, "x"]}, tmp_path / "plain.npz")
    save(nn.Linear(2, 2), tmp_path / "whole.npz")
    versions = []
    for name in ("plain", "whole"):
        with np.load(tmp_path / f"{name}.npz") as archive:
            versions.append(json.loads(archive[MARKER].tobytes())["version"])
    assert versions == [1, 2]  # a glassnet that reads only data refuses objects clearly


def _forge(path, tree):
    """A checkpoint file whose structure says what an attacker wants it to say."""
    header = json.dumps({"format": "glassnet-checkpoint", "version": 2, "tree": tree})
    np.savez(path, a0=np.ones(2), **{MARKER: np.frombuffer(header.encode(), dtype=np.uint8)})


def test_a_file_cannot_name_what_it_likes(tmp_path):
    path = tmp_path / "evil.npz"
    _forge(path, {"object": "glassnet.nn.linear:Linear", "id": 0,
                  "attributes": [["forward", {"global": "os:system"}]]})
    with pytest.raises(RuntimeError, match="holds a os.system, which is not an allowed global"):
        load(path)
    _forge(path, {"object": "subprocess:Popen", "id": 0, "attributes": []})
    with pytest.raises(RuntimeError, match="subprocess.Popen, which is not an allowed global"):
        load(path)
    _forge(path, {"global": "glassnet.cli:main"})  # glassnet's, but not a layer or math
    with pytest.raises(RuntimeError, match="glassnet.cli.main, which is not an allowed"):
        load(path)
    assert "no_such_module_xyz" not in sys.modules
    _forge(path, {"object": "no_such_module_xyz:Thing", "id": 0, "attributes": []})
    with pytest.raises(RuntimeError, match="module 'no_such_module_xyz' is not imported: "
                                           "import it first"):
        load(path, weights_only=False)
    assert "no_such_module_xyz" not in sys.modules  # never imported on a file's say
    _forge(path, {"object": "glassnet.functional:relu", "id": 0, "attributes": []})
    with pytest.raises(RuntimeError, match="not a class glassnet can rebuild"):
        load(path)
    _forge(path, {"tensor": "a0", "class": "glassnet.nn.linear:Linear"})
    with pytest.raises(ValueError, match="names glassnet.nn.linear:Linear as a tensor's class"):
        load(path)
    _forge(path, {"tensor": "a1"})
    with pytest.raises(ValueError, match="damaged.*missing array 'a1'"):
        load(path)


def test_torch_save_of_a_whole_model_through_the_binding(tmp_path):
    from glassnet import torch_compat

    with torch_compat.bind() as torch:
        assert torch.nn.modules.linear.Linear is nn.Linear
        assert torch.nn.modules.rnn.LSTM is nn.LSTM
        assert issubclass(torch.nn.modules.linear.NonDynamicallyQuantizableLinear, nn.Linear)
        model = tiny()
        with open(tmp_path / "model.pt", "wb") as f:
            torch.save(model, f)
        with open(tmp_path / "model.pt", "rb") as f, torch.serialization.safe_globals(
                [TinyLM, TinyConfig, torch.nn.modules.rnn.GRU]):
            back = torch.load(f, map_location=torch.device("cpu"))
        back.rnn.flatten_parameters()  # a no-op here, as main.py calls it
        idx = torch.tensor([[1, 2]])
        np.testing.assert_allclose(back(idx).detach().numpy(), model(idx).detach().numpy())
