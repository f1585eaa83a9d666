"""The architecture of DESIGN.md, checked: the import direction between the package's parts,
the sizes (the heart's and the fused kernels' budgets, no backward code in the PyTorch surface,
no file over 400 lines), and a quiet, light `import glassnet`."""

import ast
import io
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "glassnet"
# DESIGN.md, "Sizes": the heart is what a learner reads to understand autodiff (the Tensor,
# autograd, the primitives and their backward rules); the fused kernels are counted apart; the
# PyTorch surface composed on the heart has no total budget but holds no backward code
HEART_FILES = ["tensor*.py", "autograd.py", "ops/*.py"]
FUSED_FILES = ["ops/fused*.py"]  # speed kernels, budgeted on their own
SURFACE_FILES = ["functional/*.py", "creation.py", "nn/**/*.py", "optim/**/*.py"]
HEART_BUDGET = 1300  # lines of code in the heart (all of it but the fused kernels)
FUSED_BUDGET = 450  # lines of code in the fused kernels
FILE_LIMIT = 400  # lines of any file, all counted
MODEL_BUDGET = 300  # lines of code in each model and each lesson

# the engine, as the other parts may import it
ENGINE = {
    "tensor", "tensor_axes", "tensor_convert", "tensor_inplace", "creation", "autograd", "ops",
    "functional", "random", "init", "serialize",
}


def _files():
    return sorted(PACKAGE.rglob("*.py"))


def _module_of(path):
    """glassnet/nn/linear.py -> ("nn", "linear"); glassnet/tensor.py -> ("tensor",)."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[:-1] if parts[-1] == "__init__" else parts


def _resolve(name):
    """A dotted name under glassnet -> its parts, stopping at the first part that is not a
    module or package (so `glassnet.nn.Linear` -> ("nn",))."""
    parts, found = name.split(".")[1:], ()
    for part in parts:
        candidate = PACKAGE.joinpath(*found, part)
        if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
            found += (part,)
        else:
            break
    return found


def imports_of(path):
    """Every part of glassnet that the file imports (anywhere in it, lazy imports included),
    as tuples of parts: ("nn", "module"), ("tensor",); () is the package root itself."""
    tree = ast.parse(path.read_text(), str(path))
    package = _module_of(path) if path.name == "__init__.py" else _module_of(path)[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x, from .module import y
                base = package[: len(package) - node.level + 1]
                module = ".".join(("glassnet",) + base + ((node.module,) if node.module else ()))
            else:
                module = node.module or ""
            names = [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name == "glassnet" or name.startswith("glassnet."):
                found.add(_resolve(name))
    return found


def _area(module):
    return module[0] if module else ""


def _allowed(importer, imported):
    """Whether the file `importer` may import `imported` (both tuples of parts)."""
    area, target = _area(importer), _area(imported)
    if target == "lessons":
        return area in ("lessons", "cli", "report")
    if area in ("ops", "autograd", "tensor", "tensor_axes", "tensor_convert", "tensor_inplace",
                "creation", "functional"):
        return target in ENGINE
    if area in ("nn", "utils"):
        return target in ENGINE or target == area
    if area == "data":  # the fetched datasets, re-exporting utils.data's loader
        return target in ENGINE or target in ("data", "utils")
    if area == "optim":  # the optimizers know Parameter, not the layers
        return target in ENGINE or target == "optim" or imported == ("nn", "module")
    if area == "models":
        return target in ENGINE or target in ("nn", "models")
    return True


def test_the_import_checker_sees_every_form():
    """The checker itself: absolute, from-, relative and lazy imports all count."""
    source = PACKAGE / "nn" / "linear.py"
    found = imports_of(source)
    assert ("nn", "module") in found and ("functional",) in found
    assert not _allowed(("tensor",), ("nn",))
    assert not _allowed(("optim", "sgd"), ("nn", "linear"))
    assert _allowed(("optim", "sgd"), ("nn", "module"))
    assert not _allowed(("models", "gpt"), ("data",))
    assert not _allowed(("train",), ("lessons",)) and _allowed(("cli",), ("lessons", "x"))


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_import_direction(path):
    importer = _module_of(path)
    if importer == ():  # glassnet/__init__.py gathers the public names from everywhere
        return
    bad = sorted(
        ".".join(("glassnet",) + imported)
        for imported in imports_of(path)
        if imported != importer and not _allowed(importer, imported)
    )
    assert not bad, f"glassnet/{path.relative_to(PACKAGE)} may not import {bad} (DESIGN.md)"


# ---- line budgets ----
def code_lines(path):
    """Lines that hold code: not blank, not only a comment, not part of a docstring."""
    source = Path(path).read_text()
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                docstrings.update(range(first.lineno, first.end_lineno + 1))
    skipped = {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENDMARKER,
    }
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skipped:
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - docstrings)


def test_the_line_counter(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""A module docstring\nover two lines."""\n\n# a comment\nimport os  # why\n\n\n'
        'def f(x):\n    """Docstring."""\n    text = """not a docstring\n    but code"""\n'
        "    return (x +\n            1)\n"
    )
    assert code_lines(sample) == 6  # import, def, the two-line string, the two-line return


def _paths(patterns):
    return {path for pattern in patterns for path in PACKAGE.glob(pattern)}


def _heart_paths(fused):
    """The heart's files, or (fused=True) the fused speed kernels'."""
    kernels = _paths(FUSED_FILES)
    return sorted(kernels if fused else _paths(HEART_FILES) - kernels)


@pytest.mark.parametrize(("part", "budget"), [("heart", HEART_BUDGET), ("fused", FUSED_BUDGET)])
def test_engine_line_budget(part, budget):
    """DESIGN.md's 1,300 lines of code for the heart (tensor*, autograd, the primitives in ops/)
    and 450 for the fused kernels, which exist only where a benchmark showed they matter."""
    paths = _heart_paths(fused=part == "fused")
    assert paths
    counts = {str(p.relative_to(PACKAGE)): code_lines(p) for p in paths}
    total = sum(counts.values())
    table = ", ".join(f"{name} {n}" for name, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    assert total <= budget, (
        f"the engine's {part} has {total} lines of code, {total - budget} over its budget of "
        f"{budget}: {table}; say so on the issue with these numbers rather than writing denser "
        f"code (DESIGN.md, Sizes)"
    )


def backward_code(source):
    """Where a source defines gradient rules: a Function subclass, a backward method, or a
    Function imported to subclass; as (line, what) pairs."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            bases = [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "")
                     for b in node.bases]
            if "Function" in bases:
                found.append((node.lineno, f"class {node.name}(Function)"))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "backward":
            found.append((node.lineno, "def backward"))
        elif isinstance(node, ast.ImportFrom) and any(a.name == "Function" for a in node.names):
            found.append((node.lineno, f"from {node.module} import Function"))
    return found


def test_the_backward_detector_sees_every_form():
    source = (
        "from glassnet.autograd import Function\n"
        "import glassnet.autograd as ag\n"
        "class Square(ag.Function):\n"
        "    @staticmethod\n"
        "    def backward(ctx, grad):\n"
        "        return grad\n"
        "class Module:\n"
        "    def forward(self, x):\n"
        "        return x\n"
    )
    assert [what for _, what in backward_code(source)] == [
        "from glassnet.autograd import Function", "class Square(Function)", "def backward"]
    assert backward_code("def f(x):\n    return x.backward()\n") == []


def test_the_surface_holds_no_backward_code():
    """functional/, creation, nn and optim compose the heart's primitives: every gradient
    comes from a primitive's hand-written rule, none is written in the surface."""
    paths = sorted(_paths(SURFACE_FILES))
    assert PACKAGE / "functional" / "__init__.py" in paths and PACKAGE / "creation.py" in paths
    found = [f"glassnet/{path.relative_to(PACKAGE)}:{line}: {what}"
             for path in paths for line, what in backward_code(path.read_text())]
    assert not found, f"backward code in the surface (move it to a primitive in ops/): {found}"


# `x.data` is PyTorch's: a Tensor sharing x's memory, outside the graph. Code written when it
# was the ndarray (x.data.size, x.data.copy()) would now read a Tensor's method or fail, so the
# package reads the array as `x.array`; .data of anything else is named here.
DATA_OF = {"args", "gn", "glassnet", "sequence"}  # argparse, glassnet.data, PackedSequence.data


def data_reads(source):
    """(line, expression) for every `<expr>.data` in source, but those of DATA_OF names."""
    return sorted((node.lineno, ast.unparse(node)) for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Attribute) and node.attr == "data"
            and not (isinstance(node.value, ast.Name) and node.value.id in DATA_OF))


def test_the_data_check_sees_tensor_data():
    assert data_reads("n = x.data.size\ny = model(x).data\nz = args.data\n") == [
        (1, "x.data"), (2, "model(x).data")]


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_package_reads_arrays_not_data(path):
    found = data_reads(path.read_text())
    assert not found, (
        f"glassnet/{path.relative_to(PACKAGE)} reads .data at {found}: a tensor's NumPy array is "
        f"`.array` (`.data` is PyTorch's Tensor view); name a non-tensor's .data in DATA_OF"
    )


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_file_over_400_lines(path):
    lines = len(path.read_text().splitlines())
    assert lines <= FILE_LIMIT, f"glassnet/{path.relative_to(PACKAGE)} has {lines} lines"


@pytest.mark.parametrize(
    "path",
    sorted(PACKAGE.glob("models/*.py")) + sorted(PACKAGE.glob("lessons/*.py")),
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_models_and_lessons_stay_readable(path):
    assert code_lines(path) <= MODEL_BUDGET, f"{path.name}: {code_lines(path)} lines of code"


# ---- import glassnet ----
def test_import_is_quiet_and_does_not_load_matplotlib():
    probe = (
        "import sys\n"
        "import glassnet\n"
        "import glassnet.nn, glassnet.optim, glassnet.functional\n"
        "sys.stdout.write('MARK ' + str(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('matplotlib', 'torch', 'rich', 'jinja2'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        check=False,
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", f"import glassnet wrote to stderr: {result.stderr!r}"
    assert result.stdout.startswith("MARK "), f"import glassnet printed: {result.stdout!r}"
    loaded = result.stdout.removeprefix("MARK ")
    assert "matplotlib" not in loaded, f"import glassnet loaded {loaded}"
    assert "torch" not in loaded, f"import glassnet loaded {loaded}"
