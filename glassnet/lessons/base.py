"""What every lesson shares: its config, its Result (metrics, claim checks, figures) and the
runner that seeds it, times it and writes ``metrics.json`` beside its figures.

A lesson is one module in this package with ``NAME``, ``TITLE``, ``IDEA`` (two or three plain
sentences), a ``Config`` dataclass (subclass of LessonConfig, its fields the lesson's knobs) and
``run(cfg) -> Result``. In quick mode (``cfg.quick``) it runs a reduced experiment of a few
seconds whose checks still hold; the full run is what the tour shows.
"""

import dataclasses
import importlib.metadata
import json
import operator
import platform
import time
from pathlib import Path

import numpy as np

import glassnet as gn

OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq}


@dataclasses.dataclass
class LessonConfig:
    quick: bool = False
    seed: int = 0
    out: Path = Path("runs")


@dataclasses.dataclass
class Check:
    """A claim, checked by a measured number: passed = value <op> threshold."""

    name: str
    value: float
    threshold: float
    op: str
    passed: bool


class Result:
    def __init__(self, lesson, cfg):
        self.lesson = lesson
        self.cfg = cfg
        self.metrics = {}
        self.checks = []
        self.figures = []
        self.seconds = None
        Path(cfg.out).mkdir(parents=True, exist_ok=True)

    def metric(self, name, value):
        self.metrics[name] = float(value)
        return value

    def check(self, name, value, op, threshold):
        """Record a claim check; returns whether it held. op is one of >=, <=, ==."""
        if op not in OPS:
            raise ValueError(f"check {name!r}: op must be one of {sorted(OPS)}, got {op!r}")
        value, threshold = float(value), float(threshold)
        passed = bool(OPS[op](value, threshold))
        self.checks.append(Check(name, value, threshold, op, passed))
        return passed

    def figure(self, fig, name):
        """Save a matplotlib figure as name.png and name.svg in the lesson's folder."""
        from glassnet import viz

        self.figures.extend(viz.save(fig, Path(self.cfg.out) / name))

    @property
    def passed(self):
        return all(check.passed for check in self.checks)

    def to_dict(self):
        return {
            "lesson": self.lesson,
            "quick": bool(self.cfg.quick),
            "seed": int(self.cfg.seed),
            "seconds": self.seconds,
            "versions": versions(),
            "metrics": self.metrics,
            "checks": [dataclasses.asdict(check) for check in self.checks],
            "figures": self.figures,
            "config": {k: v for k, v in _plain(dataclasses.asdict(self.cfg)).items()
                       if k not in ("out",)},
        }


def versions():
    import matplotlib

    try:
        version = importlib.metadata.version("glassnet")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return {"glassnet": version, "numpy": np.__version__,
            "matplotlib": matplotlib.__version__, "python": platform.python_version()}


def _plain(config):
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in config.items()}


def parse_overrides(config_class, overrides):
    """{"key": "text"} -> {"key": typed value}; an unknown key or a bad value raises ValueError
    naming the valid keys or the expected type."""
    fields = {f.name: f for f in dataclasses.fields(config_class) if f.name not in ("quick", "out")}
    typed = {}
    for key, text in overrides.items():
        name = key.replace("-", "_")
        if name not in fields:
            raise ValueError(
                f"unknown knob --{key}; valid knobs: "
                + ", ".join(f"--{n.replace('_', '-')}" for n in fields)
            )
        kind = type(fields[name].default)
        try:
            if kind is bool:
                if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(text)
                typed[name] = text.lower() in ("true", "1", "yes")
            else:
                typed[name] = kind(text)
        except ValueError:
            raise ValueError(
                f"--{key}: expected a {kind.__name__}, got {text!r}"
            ) from None
    return typed


def run_lesson(module, quick=False, seed=0, out="runs", overrides=None):
    """Seed, run and time a lesson module; write metrics.json; return its Result."""
    knobs = parse_overrides(module.Config, overrides or {})
    cfg = module.Config(quick=quick, seed=seed, out=Path(out), **knobs)
    if hasattr(cfg, "validate"):
        cfg.validate()
    gn.manual_seed(seed)
    start = time.perf_counter()
    result = module.run(cfg)
    result.seconds = round(time.perf_counter() - start, 3)
    path = Path(out) / "metrics.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    temporary.replace(path)
    return result
