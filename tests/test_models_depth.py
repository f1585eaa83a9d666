"""The models of lessons 7 and 8 (residual MLP and block, CNN, RNN classifier) and the recall
task: shapes, what their initialisations promise, and forward and gradients equal to the same
network built from torch.nn and loaded with the same state dict."""

from collections import OrderedDict

import numpy as np
import pytest

import glassnet as gn
from glassnet import models, nn
from glassnet.data import recall_first
from glassnet.models.cnn import CNN, CNNConfig, dense_equivalent_parameters
from glassnet.models.resmlp import ConvResidualBlock, ResidualBlock, ResMLP
from glassnet.models.rnn_classifier import RNNClassifier, RNNClassifierConfig


def _torch_twin(ours, build):
    """The torch module `build(torch.nn)` loaded with our state dict."""
    torch = pytest.importorskip("torch")
    theirs = build(torch.nn)
    theirs.load_state_dict({k: torch.from_numpy(np.array(v.array)) for k, v in
                            ours.state_dict().items()})
    return torch, theirs


def _assert_same_forward_and_grads(ours, theirs, torch, x):
    """Same output and same parameter gradients of sum(output * a fixed cotangent)."""
    out = ours(gn.tensor(x))
    their_out = theirs(torch.tensor(x))
    np.testing.assert_allclose(out.array, their_out.detach().numpy(), rtol=1e-5, atol=1e-5)
    cotangent = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
    (out * gn.tensor(cotangent)).sum().backward()
    (their_out * torch.tensor(cotangent)).sum().backward()
    theirs_grads = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        np.testing.assert_allclose(param.grad.array, theirs_grads[name].grad.numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=name)


def test_registry_builds_every_new_model():
    for name in ("resmlp", "cnn", "rnn-classifier"):
        assert isinstance(models.create(name), models.get(name)[1])


def test_resmlp_starts_as_stem_then_head():
    gn.manual_seed(0)
    model = ResMLP(blocks=4)
    x = np.random.default_rng(0).random((3, 1, 16, 16), dtype=np.float32)
    out = model(gn.tensor(x))
    skipped = model.head(model.norm(model.stem(gn.tensor(x.reshape(3, -1)))))  # blocks: identity
    assert out.shape == (3, 10)
    np.testing.assert_allclose(out.array, skipped.array, rtol=1e-6)
    assert np.all(model.blocks[0].fc2.weight.array == 0)
    assert np.std(model.blocks[0].fc1.weight.array) == pytest.approx(np.sqrt(2 / 64), rel=0.1)


@pytest.mark.parametrize("norm", [True, False])
def test_residual_block_equals_torch(norm):
    gn.manual_seed(0)
    ours = ResidualBlock(8, zero_init=False, norm=norm)

    def build(tnn):
        class Block(tnn.Module):
            def __init__(self):
                super().__init__()
                self.norm = tnn.LayerNorm(8) if norm else tnn.Identity()
                self.fc1, self.act, self.fc2 = tnn.Linear(8, 8), tnn.ReLU(), tnn.Linear(8, 8)

            def forward(self, h):
                return h + self.fc2(self.act(self.fc1(self.norm(h))))

        return Block()

    torch, theirs = _torch_twin(ours, build)
    x = np.random.default_rng(0).standard_normal((5, 8)).astype(np.float32)
    _assert_same_forward_and_grads(ours, theirs, torch, x)


def test_conv_residual_block_shape_and_identity_start():
    gn.manual_seed(0)
    block = ConvResidualBlock(4)
    x = np.random.default_rng(0).standard_normal((2, 4, 6, 6)).astype(np.float32)
    out = block(gn.tensor(x))
    assert out.shape == (2, 4, 6, 6)
    np.testing.assert_allclose(out.array, np.maximum(x, 0))  # relu(h + 0)


def test_cnn_equals_torch_and_counts_its_parameters():
    gn.manual_seed(0)
    ours = CNN()

    def build(tnn):
        class Net(tnn.Module):
            def __init__(self):
                super().__init__()
                self.layers = tnn.Sequential(OrderedDict(
                    conv1=tnn.Conv2d(1, 8, 3, padding=1), relu1=tnn.ReLU(),
                    pool1=tnn.MaxPool2d(2), conv2=tnn.Conv2d(8, 16, 3, padding=1),
                    relu2=tnn.ReLU(), pool2=tnn.MaxPool2d(2), flatten=tnn.Flatten(),
                    head=tnn.Linear(256, 10)))

            def forward(self, x):
                return self.layers(x)

        return Net()

    torch, theirs = _torch_twin(ours, build)
    x = np.random.default_rng(0).random((4, 1, 16, 16), dtype=np.float32)
    _assert_same_forward_and_grads(ours, theirs, torch, x)
    assert sum(p.numel() for p in ours.parameters()) == 80 + 1168 + 2570
    assert ours.features(gn.tensor(x), 3).shape == (4, 8, 8, 8)
    assert dense_equivalent_parameters((1, 16, 16), (8, 16, 16)) == 256 * 2048 + 2048


@pytest.mark.parametrize("bad", [{"image_size": 18}, {"kernel_size": 2}, {"channels": (8,)}])
def test_cnn_config_refuses_bad_shapes(bad):
    with pytest.raises(ValueError, match="CNNConfig"):
        CNNConfig(**bad)


def test_rnn_classifier_opens_the_forget_gate_and_equals_torch():
    gn.manual_seed(0)
    ours = RNNClassifier(hidden_size=6, memory=50.0)
    bias = ours.rnn.bias_ih_l0.array
    np.testing.assert_allclose(bias[6:12], np.log(50.0), rtol=1e-6)  # forget gate
    np.testing.assert_allclose(bias[:6], -np.log(50.0), rtol=1e-6)  # input gate
    assert np.all(ours.rnn.bias_hh_l0.array == 0)

    def build(tnn):
        class Net(tnn.Module):
            def __init__(self):
                super().__init__()
                self.rnn, self.head = tnn.LSTM(9, 6, batch_first=True), tnn.Linear(6, 8)

            def forward(self, x):
                return self.head(self.rnn(x)[0][:, -1])

        return Net()

    torch, theirs = _torch_twin(ours, build)
    x, _ = recall_first(3, 7, rng=0)
    _assert_same_forward_and_grads(ours, theirs, torch, x)


def test_rnn_classifier_config_errors():
    with pytest.raises(ValueError, match="cell"):
        RNNClassifierConfig(cell="transformer")
    with pytest.raises(ValueError, match="memory"):
        RNNClassifierConfig(cell="rnn", memory=10.0)
    assert RNNClassifier(cell="rnn")(gn.zeros(2, 5, 9)).shape == (2, 8)


def test_recall_first_is_seeded_and_marks_only_the_first_symbol():
    x, y = recall_first(500, 12, symbols=4, rng=3)
    again, labels = recall_first(500, 12, symbols=4, rng=3)
    np.testing.assert_array_equal(x, again)
    np.testing.assert_array_equal(y, labels)
    assert x.shape == (500, 13, 5) and x.dtype == np.float32 and y.dtype == np.int64
    assert np.all(x[:, :, :4].sum(axis=2) == 1)  # one symbol per step
    assert np.all(x[:, 0, 4] == 1) and np.all(x[:, 1:, 4] == 0)  # the marker, at step 0 only
    np.testing.assert_array_equal(x[:, 0, :4].argmax(axis=1), y)
    assert set(np.unique(y)) == {0, 1, 2, 3}
    assert not np.array_equal(recall_first(50, 12, rng=4)[0], recall_first(50, 12, rng=5)[0])


def test_recall_first_rejects_bad_sizes():
    with pytest.raises(ValueError, match="symbols"):
        recall_first(10, 5, symbols=1)


def test_resmlp_trains_a_step():
    gn.manual_seed(0)
    model = ResMLP(in_features=4, width=8, blocks=2, out_features=3)
    optimizer = gn.optim.SGD(model.parameters(), lr=0.1)
    x = gn.tensor(np.random.default_rng(0).standard_normal((16, 4)).astype(np.float32))
    y = gn.tensor(np.arange(16) % 3)
    losses = []
    for _ in range(20):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
