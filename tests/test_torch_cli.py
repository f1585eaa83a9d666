"""`glassnet torch SCRIPT.py` and `glassnet convert IN OUT`, and torch_compat.bind() from Python:
a PyTorch script runs to the end on glassnet; a name glassnet lacks, a CUDA device, a library
built on the real torch are clear errors with the script's file and line and exit code 1; the
binding leaves sys.modules as it found it; state dicts move between .pt and .npz."""

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet import cli, torch_compat

ROOT = Path(__file__).resolve().parent.parent
TRAIN_SCRIPT = ROOT / "tests" / "torch_programs" / "train_script.py"


def write_script(folder, body, name="script.py"):
    path = Path(folder) / name
    path.write_text(textwrap.dedent(body))
    return path


def run_torch(capsys, script, *args):
    code = cli.main(["torch", str(script), *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


# ---- glassnet torch: a whole training script ----
def test_a_pytorch_training_script_runs_to_the_end_and_resumes(tmp_path, capsys):
    """Data loader, model, AdamW, StepLR, checkpoint written each epoch, --resume: unchanged."""
    checkpoint = tmp_path / "spirals.pt"
    result = subprocess.run(
        [sys.executable, "-m", "glassnet", "torch", str(TRAIN_SCRIPT), "--epochs", "3",
         "--checkpoint", str(checkpoint)], capture_output=True, text=True, timeout=120,
        check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    before = float(lines[0].split()[-1])
    after = float(lines[-1].split()[3])
    assert [line.split()[:2] for line in lines[1:4]] == [["epoch", str(k)] for k in range(3)]
    assert after < before - 0.1, result.stdout  # it learned
    assert zipfile.is_zipfile(checkpoint)  # glassnet's .npz under the script's own file name
    saved = gn.load(checkpoint)
    assert saved["epoch"] == 2 and set(saved) == {"model", "optimizer", "scheduler", "epoch"}
    code, out, err = run_torch(capsys, TRAIN_SCRIPT, "--epochs", "4", "--checkpoint",
                               checkpoint, "--resume")
    assert code == 0, err
    assert "resumed from epoch 2" in out and f"test loss before: {after:.4f}" in out
    assert "epoch 3 train loss" in out and "epoch 2 train loss" not in out
    assert "lr 0.0125" in out  # the schedule resumed too (halved after epochs 1 and 3)


def test_the_script_runs_as_main_with_its_arguments_and_its_folder(tmp_path, capsys):
    write_script(tmp_path, "VALUE = 41\n", name="helper_beside.py")
    script = write_script(tmp_path, """
        import sys
        import torch
        import torch.nn.functional as F
        from torch.utils.data import DataLoader, TensorDataset
        from helper_beside import VALUE
        print(sys.argv[1:], __name__, VALUE + 1, torch.cuda.is_available(),
              torch.backends.mps.is_available(), type(torch.zeros(2)).__module__)
        sys.exit(int(sys.argv[2]))
    """)
    code, out, err = run_torch(capsys, script, "--flag", "3")
    assert code == 3, err
    assert out.split() == ["['--flag',", "'3']", "__main__", "42", "False", "False",
                           "glassnet.tensor"]
    assert "helper_beside" not in sys.modules  # forgotten with the binding


MISSING = {  # script line -> the name the error must give
    "torch.fft.rfft(x)": "torch.fft",
    "x.stft(4)": "Tensor.stft",
    "from torch.nn import TransformerXL": "torch.nn.TransformerXL",
    "import torch.quantization": "torch.quantization",
    "torch.nn.functional.no_such_function(x)": "torch.nn.functional.no_such_function",
}


@pytest.mark.parametrize("line", MISSING)
def test_a_name_glassnet_lacks_is_a_clear_error_with_file_and_line(tmp_path, capsys, line):
    script = write_script(tmp_path, f"""
        import torch

        x = torch.zeros(8)
        {line}
    """)
    code, _, err = run_torch(capsys, script)
    assert code == 1
    name = MISSING[line]
    assert f"script.py, line 5: glassnet has no {name}" in err
    assert line in err and "Traceback" not in err
    assert f"this script needs {name}" in err


def test_a_library_built_on_the_real_torch_is_named(tmp_path, capsys):
    script = write_script(tmp_path, "import torch\nfrom torchvision import datasets\n")
    code, _, err = run_torch(capsys, script)
    assert code == 1
    assert "script.py, line 2: torchvision is a library built on the real PyTorch" in err


def test_cuda_is_absent_and_a_cuda_device_is_a_clear_error(tmp_path, capsys):
    script = write_script(tmp_path, """
        import torch
        assert not torch.cuda.is_available() and torch.cuda.device_count() == 0
        device = torch.device("cuda:0")
        x = torch.ones(3).to(device)
    """)
    code, _, err = run_torch(capsys, script)
    assert code == 1
    assert "script.py, line 5: ValueError: glassnet runs on the CPU" in err
    assert "x = torch.ones(3).to(device)" in err and "raised inside glassnet" in err


def test_an_error_of_the_script_itself_shows_its_traceback(tmp_path, capsys):
    script = write_script(tmp_path, "import torch\n\ndef f():\n    return 1 / 0\n\nf()\n")
    code, _, err = run_torch(capsys, script)
    assert code == 1
    assert "ZeroDivisionError" in err and 'script.py", line 4, in f' in err
    assert "runpy" not in err and "torch_script.py" not in err


def test_a_missing_script_is_a_usage_error(capsys):
    code, _, err = run_torch(capsys, "no_such_script.py")
    assert code == 2 and "no such script: no_such_script.py" in err


# ---- torch_compat.bind() from Python ----
def test_bind_serves_glassnet_and_restores_sys_modules():
    import torch as real

    before = {name: module for name, module in sys.modules.items() if name.startswith("torch")}
    with torch_compat.bind() as bound:
        import torch
        from torch import nn
        from torch.optim.lr_scheduler import StepLR

        assert torch is bound and nn.Linear is gn.nn.Linear and StepLR is gn.optim.lr_scheduler.StepLR
        assert hasattr(torch.nn.functional, "softmax")
        assert not hasattr(torch.nn.functional, "no_such_function")
        with pytest.raises(torch_compat.MissingTorchName, match="glassnet has no torch.fft"):
            torch.fft  # noqa: B018
        with pytest.raises(ModuleNotFoundError, match="torchvision is a library"):
            import torchvision  # noqa: F401
        assert torch.compile(nn.Linear(2, 2)).__class__ is gn.nn.Linear
        assert not torch.backends.mps.is_available() and torch.accelerator.current_accelerator() is None
    after = {name: module for name, module in sys.modules.items() if name.startswith("torch")}
    assert after == before and sys.modules["torch"] is real


def test_save_and_load_through_the_binding(tmp_path):
    import torch as real

    real.save({"w": real.ones(2)}, tmp_path / "real.pt")
    with torch_compat.bind() as torch:
        model = torch.nn.Linear(3, 2)
        with open(tmp_path / "model.pt", "wb") as f:  # an open file, as some scripts do
            torch.save(model.state_dict(), f)
        with open(tmp_path / "model.pt", "rb") as f:
            state = torch.load(f, map_location="cpu", weights_only=True)
        assert torch.equal(state["weight"], model.weight) if hasattr(torch, "equal") else \
            np.array_equal(state["weight"].numpy(), model.weight.detach().numpy())
        torch.save(model, tmp_path / "whole.pt")  # a whole model: its class and attributes
        whole = torch.load(tmp_path / "whole.pt")
        assert type(whole) is torch.nn.Linear and whole is not model
        assert np.array_equal(whole.weight.detach().numpy(), model.weight.detach().numpy())
        with pytest.raises(ValueError, match="glassnet never unpickles.*glassnet convert"):
            torch.load(tmp_path / "real.pt")


def test_glassnet_load_refuses_a_pytorch_pickle_with_the_way_to_convert(tmp_path):
    import torch

    torch.save({"w": torch.ones(2)}, tmp_path / "new.pt")
    torch.save({"w": torch.ones(2)}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    for name in ("new", "old"):
        with pytest.raises(ValueError, match=f"glassnet convert .*{name}.pt .*{name}.npz"):
            gn.load(tmp_path / f"{name}.pt")


# ---- glassnet convert ----
def convert(capsys, *args):
    code = cli.main(["convert", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_convert_a_pytorch_state_dict_both_ways(tmp_path, capsys):
    import torch

    torch.manual_seed(0)
    real = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    real(torch.randn(5, 4))  # running statistics that are not the defaults
    torch.save(real.state_dict(), tmp_path / "model.pt")
    code, out, err = convert(capsys, tmp_path / "model.pt", tmp_path / "model.npz")
    assert code == 0, err
    assert "1.num_batches_tracked  ()" in out and "float32" in out
    assert "7 tensors, 28 values; the whole file is a state dict" in out
    ours = gn.nn.Sequential(gn.nn.Linear(4, 3), gn.nn.BatchNorm1d(3))
    ours.load_state_dict(gn.load(tmp_path / "model.npz"))
    ours.eval()
    real.eval()
    x = np.random.RandomState(0).randn(6, 4).astype(np.float32)
    expected = real(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ours(gn.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    code, out, err = convert(capsys, tmp_path / "model.npz", tmp_path / "back.pth", "--quiet")
    assert code == 0, err and "key" not in out
    back = torch.load(tmp_path / "back.pth", weights_only=True)
    for key, value in real.state_dict().items():
        assert torch.equal(back[key], value), key


def test_convert_finds_the_state_dict_of_a_checkpoint_and_drops_compile_prefixes(tmp_path,
                                                                                  capsys):
    import torch

    model = torch.nn.Linear(2, 2)
    state = {f"_orig_mod.{k}": v for k, v in model.state_dict().items()}
    torch.save({"model": state, "iter_num": 7, "config": {"lr": 0.1}}, tmp_path / "ckpt.pt")
    code, out, err = convert(capsys, tmp_path / "ckpt.pt", tmp_path / "ckpt.npz", "--quiet")
    assert code == 0, err
    assert "the state dict under key 'model'" in out and "'iter_num', 'config'" in out
    assert "prefix '_orig_mod.' dropped" in out
    assert set(gn.load(tmp_path / "ckpt.npz")) == {"weight", "bias"}
    code, _, err = convert(capsys, tmp_path / "ckpt.pt", tmp_path / "x.npz", "--key", "config")
    assert code == 1 and "ckpt.pt['config'] is not a state dict" in err


def test_convert_checks_keys_and_shapes_against_another_checkpoint(tmp_path, capsys):
    import torch

    torch.save(torch.nn.Linear(3, 2).state_dict(), tmp_path / "a.pt")
    gn.save(gn.nn.Linear(3, 4).state_dict(), tmp_path / "like.npz")
    code, _, err = convert(capsys, tmp_path / "a.pt", tmp_path / "a.npz", "--like",
                             tmp_path / "like.npz")
    assert code == 1 and not (tmp_path / "a.npz").exists()
    assert "shape: weight is (2, 3), expected (4, 3)" in err and "nothing written" in err
    gn.save(gn.nn.Linear(3, 2).state_dict(), tmp_path / "like.npz")
    code, out, err = convert(capsys, tmp_path / "a.pt", tmp_path / "a.npz", "--like",
                             tmp_path / "like.npz", "--quiet")
    assert code == 0 and "keys and shapes match" in out


def test_convert_refuses_what_is_not_a_state_dict(tmp_path, capsys):
    import torch

    torch.save(torch.nn.Linear(2, 2), tmp_path / "whole.pt")  # pickled code, not tensors
    code, _, err = convert(capsys, tmp_path / "whole.pt", tmp_path / "w.npz")
    assert code == 1
    assert "refused it (it holds a pickled torch.nn.modules.linear.Linear)" in err
    assert "save model.state_dict() instead" in err
    torch.save([torch.ones(2)], tmp_path / "list.pt")
    code, _, err = convert(capsys, tmp_path / "list.pt", tmp_path / "l.npz")
    assert code == 1 and "not a state dict: it holds a list" in err
    code, _, err = convert(capsys, tmp_path / "list.pt", tmp_path / "l.pth")
    assert code == 2 and "cannot tell the direction" in err
    code, _, err = convert(capsys, tmp_path / "none.pt", tmp_path / "n.npz")
    assert code == 1 and "no such file" in err


def test_convert_without_torch_says_what_it_needs(tmp_path, capsys, monkeypatch):
    gn.save(gn.nn.Linear(2, 2).state_dict(), tmp_path / "a.npz")
    (tmp_path / "a.pt").write_bytes(b"\x80\x02")
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch fails
    for source, target in (("a.pt", "b.npz"), ("a.npz", "b.pt")):
        code, _, err = convert(capsys, tmp_path / source, tmp_path / target)
        assert code == 1 and "needs PyTorch (pip install torch)" in err
        assert "glassnet itself never unpickles" in err


def test_a_converted_pytorch_checkpoint_runs_the_same_program_on_glassnet(tmp_path, capsys):
    """A nanoGPT-style ckpt.pt (model, optimizer, config) written by PyTorch, converted, loads
    into the same GPT program imported under the binding and gives PyTorch's logits."""
    import torch
    from torch_programs import harness

    program = harness.load_program("gpt")
    model = program.GPT(program.GPTConfig())
    optimizer = model.configure_optimizers(0.1, 1e-3, (0.9, 0.95), "cpu")
    idx = torch.randint(0, 23, (2, 9))
    model(idx, idx)[1].backward()
    optimizer.step()
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "model_args": {"n_layer": 2}, "iter_num": 1}, tmp_path / "ckpt.pt")
    expected = model(idx)[0].detach().numpy()
    code, out, err = convert(capsys, tmp_path / "ckpt.pt", tmp_path / "ckpt.npz", "--quiet")
    assert code == 0 and "under key 'model'" in out, err
    with torch_compat.bind() as bound:
        program = harness.load_program("gpt")
        ours = program.GPT(program.GPTConfig())
        assert repr(ours.load_state_dict(bound.load(tmp_path / "ckpt.npz"))) == \
            "<All keys matched successfully>"
        got = ours(bound.tensor(idx.numpy()))[0].detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=2e-4, atol=1e-6)


def test_a_torchvision_of_your_own_imports_under_the_binding(tmp_path, monkeypatch):
    """A stand-in package beside the script (written on `torch`) is not the real library."""
    package = tmp_path / "torchvision"
    package.mkdir()
    (package / "__init__.py").write_text("import torch\nSEEN = torch.ones(2)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with torch_compat.bind():
        import torchvision

        assert isinstance(torchvision.SEEN, gn.Tensor)
        with pytest.raises(ModuleNotFoundError, match="torchaudio is a library built on"):
            import torchaudio  # noqa: F401
    assert "torchvision" not in sys.modules


def test_numpy_floating_point_warnings_are_silent_in_glassnet_only():
    """log(0), 1/0, 0/0 and overflow give -inf, inf, nan as in PyTorch, without NumPy's
    RuntimeWarning (here an error, -W error); NumPy called from your own code still warns."""
    probe = textwrap.dedent("""
        import numpy as np
        import glassnet as gn
        x = gn.zeros(2, requires_grad=True)
        y = gn.log(x).sum() + (gn.ones(2) / 0).sum() + (gn.zeros(1) / 0).sum()
        y.backward()
        print(gn.exp(gn.tensor([1000.0])).item(), x.grad.tolist())
        try:
            np.log(np.zeros(1))
        except RuntimeWarning as warning:
            print("yours:", warning)
    """)
    result = subprocess.run([sys.executable, "-W", "error", "-c", probe], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["inf [inf, inf]",
                                          "yours: divide by zero encountered in log"]
