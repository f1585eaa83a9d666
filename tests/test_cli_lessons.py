"""`glassnet lessons`, `glassnet run` and `glassnet tour`: on fake lessons registered for the test
(bad input, failures, a lesson that raises) and on the real registry in quick mode."""

import json
import subprocess
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet import cli, lessons
from glassnet.data import DataUnavailable
from glassnet.lessons.base import LessonConfig, Result

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = {"lesson": str, "quick": bool, "seed": int, "seconds": float, "versions": dict,
          "metrics": dict, "checks": list, "figures": list, "timed": list}


@dataclass
class ToyConfig(LessonConfig):
    steps: int = 20
    rate: float = 0.5
    noisy: bool = False
    limit: float = 10.0  # the check's threshold, so a test can make it fail


def toy_run(cfg):
    from glassnet import viz

    result = Result("toy", cfg)
    walk = gn.randn(cfg.steps).numpy().cumsum() * cfg.rate  # (steps,)
    result.metric("final position", walk[-1])
    result.metric("noisy", cfg.noisy)
    result.check("the walk stays within the limit", np.abs(walk).max(), "<=", cfg.limit)
    result.metric("walk_seconds", time.perf_counter(), timed=True)
    fig, ax = viz.figure()
    ax.plot(walk, label="walk")
    ax.set(title="A random walk", xlabel="step", ylabel="position")
    result.figure(fig, "walk")
    return result


def raising_run(cfg):
    raise ZeroDivisionError("toy lesson divided by zero")


def missing_data_run(cfg):
    raise DataUnavailable("digits16 is not cached; run `glassnet data fetch digits16`")


def _lesson(name, run):
    module = types.ModuleType(lessons.module_name(name))
    module.NAME, module.TITLE = name, f"The {name} lesson"
    module.IDEA = "A random walk wanders off. How far it goes grows like the square root of time."
    module.Config, module.run = ToyConfig, run
    return module


@pytest.fixture
def fakes(monkeypatch):
    """Register toy (passes), raiser (raises) and nodata (data missing) after the real lessons."""
    added = {"toy": toy_run, "raiser": raising_run, "nodata": missing_data_run}
    for name, run in added.items():
        monkeypatch.setitem(sys.modules, lessons.module_name(name), _lesson(name, run))
    monkeypatch.setattr(lessons, "ORDER", lessons.ORDER + tuple(added))


def _main(capsys, *argv):
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_lessons_lists_every_lesson():
    done = subprocess.run([sys.executable, "-m", "glassnet", "lessons"], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    for name in lessons.PLANNED:
        assert name in done.stdout
    assert ("built" in done.stdout) == bool(lessons.ORDER)
    assert "planned" in done.stdout or len(lessons.ORDER) == len(lessons.PLANNED)


def test_run_rejects_an_unknown_lesson(capsys, fakes):
    code, _, err = _main(capsys, "run", "no-such-lesson")
    assert code == 2
    assert "unknown lesson 'no-such-lesson'" in err and "toy" in err


@pytest.mark.parametrize("argv, words", [
    (["--stepz", "3"], ["unknown knob --stepz", "--steps (int, default 20)", "--rate"]),
    (["--steps", "many"], ["--steps: expected an int", "'many'"]),
    (["--steps", "2.5"], ["--steps: expected an int"]),
    (["--noisy", "perhaps"], ["--noisy: expected a bool"]),
    (["stray"], ["expected --KNOB VALUE, got 'stray'"]),
])
def test_run_rejects_a_bad_knob_with_the_valid_ones(capsys, fakes, tmp_path, argv, words):
    code, _, err = _main(capsys, "run", "toy", "--out", str(tmp_path), *argv)
    assert code == 2
    for word in words:
        assert word in err
    assert not (tmp_path / "metrics.json").exists()


def test_run_applies_knobs_prints_checks_and_exits_by_them(capsys, fakes, tmp_path):
    code, out, _ = _main(capsys, "run", "toy", "--out", str(tmp_path), "--seed", "4",
                         "--steps=30", "--rate", "-0.5", "--noisy")
    record = json.loads((tmp_path / "metrics.json").read_text())
    assert code == 0, out
    assert record["config"]["steps"] == 30 and record["config"]["rate"] == -0.5
    assert record["seed"] == 4 and record["metrics"]["noisy"] == 1.0
    assert record["timed"] == ["walk_seconds"]
    assert "the walk stays within the limit" in out and "pass" in out
    code, out, _ = _main(capsys, "run", "toy", "--out", str(tmp_path), "--limit", "0")
    assert code == 1 and "FAIL" in out


def test_tour_reports_a_lesson_that_raises_and_goes_on(capsys, fakes, tmp_path):
    code, out, _ = _main(capsys, "tour", "--quick", "--out", str(tmp_path),
                         "--only", "nodata,toy,raiser")
    assert code == 1
    summary = json.loads((tmp_path / "summary.json").read_text())
    by_name = {entry["lesson"]: entry for entry in summary["lessons"]}
    assert [entry["lesson"] for entry in summary["lessons"]] == ["toy", "raiser", "nodata"]
    assert by_name["toy"]["passed"] and by_name["toy"]["folder"] == "toy"
    assert not by_name["raiser"]["passed"] and "ZeroDivisionError" in by_name["raiser"]["error"]
    assert "glassnet data fetch digits16" in by_name["nodata"]["error"]
    html = (tmp_path / "index.html").read_text()
    assert "toy lesson divided by zero" in html and "glassnet data fetch digits16" in html
    assert '<img src="toy/walk.png"' in html
    assert "ZeroDivisionError" in out and "glassnet data fetch digits16" in out


def test_ctrl_c_stops_the_tour_and_keeps_the_report_of_what_ran(capsys, fakes, tmp_path):
    def interrupted_run(cfg):
        raise KeyboardInterrupt

    sys.modules[lessons.module_name("raiser")].run = interrupted_run
    code, out, _ = _main(capsys, "tour", "--out", str(tmp_path), "--only", "toy,raiser,nodata")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert code == 130 and "interrupted" in out
    assert summary["interrupted"] and not summary["passed"]
    assert [entry["lesson"] for entry in summary["lessons"]] == ["toy"]
    assert "interrupted" in (tmp_path / "index.html").read_text()


def test_tour_rejects_an_unknown_lesson(capsys, fakes, tmp_path):
    code, _, err = _main(capsys, "tour", "--out", str(tmp_path), "--only", "toy,nope")
    assert code == 2 and "unknown lesson(s) nope" in err and "toy" in err


def test_a_failed_rerun_does_not_show_the_last_runs_numbers(capsys, fakes, tmp_path):
    _main(capsys, "tour", "--quick", "--out", str(tmp_path), "--only", "toy")
    sys.modules[lessons.module_name("toy")].run = raising_run
    _main(capsys, "tour", "--quick", "--out", str(tmp_path), "--only", "toy")
    assert not (tmp_path / "toy" / "metrics.json").exists()
    assert "the walk stays within the limit" not in (tmp_path / "index.html").read_text()


# ---- the real lessons ----
def _metrics(folder):
    return {entry["lesson"]: json.loads((folder / entry["folder"] / "metrics.json").read_text())
            for entry in json.loads((folder / "summary.json").read_text())["lessons"]}


def test_quick_tour_passes_every_check_of_every_lesson(quick_tours):
    code, folder = quick_tours.code, quick_tours.here
    summary = json.loads((folder / "summary.json").read_text())
    failed = {entry["lesson"]: entry["error"] or [c for c in _metrics(folder)[entry["lesson"]]
                                                  ["checks"] if not c["passed"]]
              for entry in summary["lessons"] if not entry["passed"]}
    assert not failed
    assert code == 0 and summary["quick"] and summary["passed"]
    assert [entry["lesson"] for entry in summary["lessons"]] == list(lessons.ORDER)
    html = (folder / "index.html").read_text()
    for entry in summary["lessons"]:
        assert f'id="{entry["lesson"]}"' in html and entry["checks_total"] >= 1


def test_quick_tour_writes_metrics_json_in_the_products_schema(quick_tours):
    folder = quick_tours.here
    html = (folder / "index.html").read_text()
    for name, record in _metrics(folder).items():
        for key, kind in SCHEMA.items():
            assert isinstance(record[key], kind), (name, key, record[key])
        assert record["lesson"] == name and record["quick"] and record["seed"] == 0
        assert all(isinstance(v, float) for v in record["metrics"].values())
        for check in record["checks"]:
            assert set(check) == {"name", "value", "threshold", "op", "passed"}
            assert check["op"] in (">=", "<=", "==")
        pngs = [figure for figure in record["figures"] if figure.endswith(".png")]
        assert pngs, f"{name} draws no figure"
        for figure in record["figures"]:
            assert (folder / name / figure).stat().st_size > 0
        for png in pngs:
            assert f'<img src="{name}/{png}"' in html


def test_the_same_seed_gives_the_same_numbers(quick_tours):
    folder, again = quick_tours.here, quick_tours.there
    assert quick_tours.other_code == 0, quick_tours.other_output
    first, second = _metrics(folder), _metrics(again)
    assert first.keys() == second.keys()
    for name, record in first.items():
        assert record["timed"] == second[name]["timed"], name
        assert _untimed(record) == _untimed(second[name]), name


def _untimed(record):
    """metrics.json without the numbers read off a clock (names in "timed")."""
    timed = set(record["timed"])
    metrics = {key: value for key, value in record["metrics"].items() if key not in timed}
    checks = [dict(check, value=None) if check["name"] in timed else check
              for check in record["checks"]]
    return metrics, checks


def test_the_readmes_lesson_commands_are_valid():
    """Every `glassnet run/tour` line in the README names built lessons and real knobs."""
    from glassnet.lessons import base

    readme = (ROOT / "README.md").read_text()
    lines = [line.split("#")[0].split() for line in readme.splitlines()
             if line.startswith(("glassnet run", "glassnet tour"))]
    assert lines
    for words in lines:
        args, extra = cli.build_parser().parse_known_args(words[1:])
        if words[1] == "tour":
            assert not extra and set((args.only or "").split(",")) <= set(lessons.PLANNED)
            continue
        if args.lesson in lessons.ORDER:
            base.make_config(lessons.get(args.lesson), overrides=base.knob_arguments(extra))
        else:
            assert args.lesson in lessons.PLANNED, words


@pytest.mark.parametrize("arguments", [
    ["run", "neuron", "--quick", "--seed", "-1"],
    ["run", "neuron", "--quick", "--out", "/proc/glassnet-cannot-write-here"],
    ["train", "mlp", "--steps", "0"],
    ["train", "mlp", "--epochs", "0"],
    ["train", "transformer"],  # a zoo model that its lesson trains, not `glassnet train`
])
def test_bad_values_are_clear_errors_with_exit_2(arguments):
    done = subprocess.run([sys.executable, "-m", "glassnet", *arguments], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.strip()
