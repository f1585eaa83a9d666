"""The rest of the surface added for PyTorch programs, against torch: lazy layers (d2l's way of
building models), channel dropout, the losses' functional signatures and weights, padded and
packed sequences through the recurrent layers, and the added initialisations."""

import inspect
import warnings

import numpy as np
import pytest
from test_nn_sequence import check_parity, randn

import glassnet as gn
from glassnet import nn
from glassnet.nn.utils import rnn

torch = pytest.importorskip("torch")


# ---- lazy layers ----
def _d2l_net(lib):
    m = lib.nn
    return m.Sequential(m.LazyConv2d(4, kernel_size=3, padding=1), m.LazyBatchNorm2d(), m.ReLU(),
                        m.AdaptiveAvgPool2d((1, 1)), m.Flatten(), m.LazyLinear(5),
                        m.LazyBatchNorm1d(), m.LazyLinear(2))


def test_lazy_layers_become_the_real_ones_as_in_torch():
    ours, theirs = _d2l_net(gn), _d2l_net(torch)
    assert repr(ours) == repr(theirs)
    optimizer = gn.optim.SGD(ours.parameters(), lr=0.1)  # made before the sizes are known
    x = randn(3, 2, 6, 6).astype(np.float32)
    ours(gn.tensor(x))
    theirs(torch.tensor(x))
    assert repr(ours) == repr(theirs)
    assert [type(layer).__name__ for layer in ours] == [type(layer).__name__ for layer in theirs]
    assert type(ours[0]) is nn.Conv2d and type(ours[5]) is nn.Linear  # d2l's init checks this
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    out, expected = ours(gn.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-4,
                               atol=1e-5)
    out.sum().backward()
    before = ours[5].weight.detach().numpy().copy()
    optimizer.step()
    assert not np.array_equal(before, ours[5].weight.detach().numpy())  # the optimizer holds the real ones


def test_lazy_linear_default_init_and_state_dict_sizing():
    gn.manual_seed(0)
    lazy = nn.LazyLinear(200)
    lazy(gn.zeros(1, 50))
    bound = 1 / np.sqrt(50)
    assert lazy.weight.shape == (200, 50) and lazy.in_features == 50
    assert 0.9 * bound < np.abs(lazy.weight.detach().numpy()).max() <= bound
    fresh = nn.Sequential(nn.LazyLinear(200), nn.LazyBatchNorm1d())
    fresh.load_state_dict({"0.weight": np.ones((200, 7), np.float32),
                           "0.bias": np.zeros(200, np.float32),
                           **{f"1.{k}": v for k, v in nn.BatchNorm1d(200).state_dict().items()}})
    assert type(fresh[0]) is nn.Linear and fresh[0].weight.shape == (200, 7)
    assert type(fresh[1]) is nn.BatchNorm1d and fresh[1].num_features == 200


# ---- channel dropout ----
def test_channel_dropout_drops_whole_channels():
    gn.manual_seed(3)
    x = gn.ones(64, 8, 3, 3)
    out = nn.Dropout2d(0.25)(x).numpy()
    per_channel = out.reshape(64, 8, 9)
    assert set(np.unique(per_channel)) <= {np.float32(0.0), np.float32(1 / 0.75)}
    assert (per_channel.min(-1) == per_channel.max(-1)).all()  # one draw per (example, channel)
    assert abs((per_channel[..., 0] == 0).mean() - 0.25) < 0.06
    seq = nn.Dropout1d(0.5)(gn.ones(32, 4, 6)).numpy()
    assert (seq.min(-1) == seq.max(-1)).all()
    unbatched = nn.Dropout1d(0.5)(gn.ones(4, 6)).numpy()
    assert unbatched.shape == (4, 6) and (unbatched.min(-1) == unbatched.max(-1)).all()
    with pytest.warns(UserWarning, match="2-D input to dropout2d"):  # mnist_rnn passes (N, C)
        flat = nn.Dropout2d(0.5)(gn.ones(200, 5)).numpy()
    assert 0.3 < (flat == 0).mean() < 0.7
    with pytest.raises(RuntimeError, match="dropout1d"):
        nn.Dropout1d()(gn.ones(2, 3, 4, 5))


# ---- losses ----
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss", "mse_loss", "l1_loss",
                                  "binary_cross_entropy", "binary_cross_entropy_with_logits",
                                  "kl_div", "smooth_l1_loss", "huber_loss"])
def test_loss_functions_take_torchs_arguments(name):
    ours = inspect.signature(getattr(nn.functional, name)).parameters
    theirs = inspect.signature(getattr(torch.nn.functional, name)).parameters
    assert list(ours) == list(theirs)
    for key, parameter in theirs.items():
        assert ours[key].default == parameter.default, key


@pytest.mark.parametrize("name,kwargs", [
    ("mse_loss", {"weight": True}), ("l1_loss", {"weight": True, "reduction": "sum"}),
    ("huber_loss", {"weight": True, "delta": 0.3}), ("smooth_l1_loss", {"reduce": False}),
    ("mse_loss", {"size_average": False}), ("l1_loss", {"reduce": True, "size_average": True}),
])
def test_weighted_and_legacy_losses_match_torch(name, kwargs):
    rng = np.random.default_rng(0)
    x, y, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.uniform(0, 2, (3, 4))
    results = []
    for lib in (gn, torch):
        options = {k: (lib.tensor(w) if k == "weight" else v) for k, v in kwargs.items()}
        inp = lib.tensor(x, requires_grad=True)
        loss = getattr(lib.nn.functional, name)(inp, lib.tensor(y), **options)
        loss.sum().backward()
        results.append((loss.detach().numpy(), inp.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


# ---- padded and packed sequences ----
def _sequences(lib, lengths, dim=3):
    return [lib.tensor(randn(n, dim, seed=n), requires_grad=True) for n in lengths]


@pytest.mark.parametrize("options", [{}, {"batch_first": True, "padding_value": -1.0},
                                     {"padding_side": "left"}])
def test_pad_sequence_matches_torch(options):
    ours = rnn.pad_sequence(_sequences(gn, [2, 5, 3]), **options)
    theirs = torch.nn.utils.rnn.pad_sequence(_sequences(torch, [2, 5, 3]), **options)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 3, 3, 1], True), ([2, 5, 1, 4], False)])
def test_pack_and_unpack_match_torch(lengths, enforce_sorted):
    got, expected = [], []
    for lib, module, out in ((gn, rnn, got), (torch, torch.nn.utils.rnn, expected)):
        sequences = _sequences(lib, lengths)
        padded = module.pad_sequence(sequences, batch_first=True)
        packed = module.pack_padded_sequence(padded, lib.tensor(lengths), batch_first=True,
                                             enforce_sorted=enforce_sorted)
        again, again_lengths = module.pad_packed_sequence(packed, total_length=6)
        (again * lib.tensor(randn(*again.shape))).sum().backward()
        out += [packed.data.detach().numpy(), packed.batch_sizes.numpy(),
                again.detach().numpy(), again_lengths.numpy()]
        out += [s.grad.numpy() for s in sequences]
        if not enforce_sorted:
            out += [packed.sorted_indices.numpy(), packed.unsorted_indices.numpy()]
    for ours, theirs in zip(got, expected, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
        assert ours.dtype == theirs.dtype
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        rnn.pack_padded_sequence(gn.zeros(3, 2), [1, 3])


@pytest.mark.parametrize("kind,options,with_state", [
    ("LSTM", {"num_layers": 2, "bidirectional": True}, False),
    ("GRU", {"batch_first": True}, True),
    ("RNN", {"bidirectional": True, "nonlinearity": "relu"}, True),
    ("LSTM", {"batch_first": True}, True),
])
def test_recurrent_layers_run_packed_sequences_as_torch(kind, options, with_state):
    lengths = [3, 5, 1, 4]
    layers = 2 if options.get("num_layers") == 2 else 1
    count = layers * (2 if options.get("bidirectional") else 1)
    padded = randn(4, 5, 3) if options.get("batch_first") else randn(5, 4, 3)
    h0 = randn(count, 4, 6, seed=9)

    def make(lib_nn):
        class Packed(lib_nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = getattr(lib_nn, kind)(3, 6, **options)

            def forward(self, x, *state):
                utils = lib_nn.utils.rnn
                packed = utils.pack_padded_sequence(x, lengths, options.get("batch_first", False),
                                                    enforce_sorted=False)
                hx = None if not state else (state if kind == "LSTM" else state[0])
                out, final = self.rnn(packed, hx)
                out, _ = utils.pad_packed_sequence(out, options.get("batch_first",
                                                                              False))
                return out, final
        return Packed()

    state = ([h0, h0 * 0.5] if kind == "LSTM" else [h0]) if with_state else []
    check_parity(make, [padded, *state])


def test_packed_sequence_reaches_the_loss_like_a_tutorial():
    packed = rnn.pack_sequence([s.float() for s in _sequences(gn, [4, 2, 2])])
    output, hidden = nn.GRU(3, 5)(packed)
    assert isinstance(output, rnn.PackedSequence) and output.data.shape == (8, 5)
    assert hidden.shape == (1, 3, 5)
    assert [tuple(s.shape) for s in rnn.unpack_sequence(output)] == [(4, 5), (2, 5), (2, 5)]


# ---- initialisations ----
def test_added_initialisations():
    weight = nn.Parameter(np.zeros((6, 3, 2), np.float32))
    gn.nn.init.orthogonal_(weight, gain=2.0)
    flat = weight.detach().numpy().reshape(6, 6)
    np.testing.assert_allclose(flat @ flat.T, 4 * np.eye(6), atol=1e-5)
    wide = nn.Parameter(np.zeros((3, 8)))
    gn.nn.init.orthogonal_(wide, generator=np.random.default_rng(1))
    wide = wide.detach().numpy()
    np.testing.assert_allclose(wide @ wide.T, np.eye(3), atol=1e-12)
    values = gn.nn.init.trunc_normal_(nn.Parameter(np.zeros(5000)), std=0.02, a=-0.03, b=0.03)
    values = values.detach().numpy()
    assert values.min() >= -0.03 and values.max() <= 0.03
    assert abs(values.std() - 0.01485) < 0.0005  # N(0, 0.02) cut at 1.5 sigma
    np.testing.assert_array_equal(gn.nn.init.eye_(nn.Parameter(np.zeros((2, 3)))).detach().numpy(),
                                  np.eye(2, 3))
    for name in ("orthogonal_", "trunc_normal_", "eye_", "uniform_", "xavier_normal_",
                 "kaiming_normal_"):
        ours = [p for p in inspect.signature(getattr(gn.nn.init, name)).parameters if p != "rng"]
        assert ours == list(inspect.signature(getattr(torch.nn.init, name)).parameters)


def test_rnn_utils_signatures_are_torchs():
    for name in ("pad_sequence", "pack_padded_sequence", "pad_packed_sequence", "pack_sequence",
                 "unpad_sequence", "unpack_sequence"):
        ours = inspect.signature(getattr(rnn, name)).parameters
        theirs = inspect.signature(getattr(torch.nn.utils.rnn, name)).parameters
        assert list(ours) == list(theirs), name
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gn.nn.utils.clip_grad_norm_ is gn.nn.clip_grad_norm_
