"""What every lesson shares: its config, its Result (metrics, claim checks, figures) and the
runner that seeds it, times it and writes ``metrics.json`` beside its figures.

A lesson is one module in this package with ``NAME``, ``TITLE``, ``IDEA`` (two or three plain
sentences), a ``Config`` dataclass (subclass of LessonConfig, its fields the lesson's knobs) and
``run(cfg) -> Result``. In quick mode (``cfg.quick``) it runs a reduced experiment of a few
seconds whose checks still hold; the full run is what the tour shows.
"""

import dataclasses
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
        self.texts = {}  # title -> text shown as-is (generated samples, tables of words)
        self.timed = []  # names of metrics and checks read off a clock
        self.seconds = None
        Path(cfg.out).mkdir(parents=True, exist_ok=True)

    def metric(self, name, value, timed=False):
        """Record a measured number. The same seed gives the same numbers, except those marked
        timed=True: read off a clock, they vary from run to run (and from machine to machine)."""
        self.metrics[name] = float(value)
        if timed:
            self.timed.append(name)
        return value

    def check(self, name, value, op, threshold, timed=False):
        """Record a claim check; returns whether it held. op is one of >=, <=, ==; timed as in
        metric."""
        if timed:
            self.timed.append(name)
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

    def text(self, title, content):
        """Record a block of text (generated samples, a table of neighbours) that the report shows
        as it is, in monospace, under `title`; also written to metrics.json."""
        self.texts[str(title)] = str(content)

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
            "texts": self.texts,
            "timed": self.timed,
            "config": {k: v for k, v in _plain(dataclasses.asdict(self.cfg)).items()
                       if k not in ("out",)},
        }


def versions():
    import matplotlib

    return {"glassnet": gn.__version__, "numpy": np.__version__,
            "matplotlib": matplotlib.__version__, "python": platform.python_version()}


def _plain(config):
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in config.items()}


def knobs(config_class):
    """The knobs a lesson's Config offers: {name: default}, without quick, seed and out, which
    every lesson has and the CLI sets with its own options."""
    defaults = {}
    for f in dataclasses.fields(config_class):
        if f.name in ("quick", "seed", "out"):
            continue
        has_factory = f.default_factory is not dataclasses.MISSING
        defaults[f.name] = f.default_factory() if has_factory else f.default
    return defaults


def describe_knobs(config_class):
    """"--hidden-size (int, default 64), ..." for error messages and `glassnet lessons`."""
    return ", ".join(f"--{name.replace('_', '-')} ({type(default).__name__}, default {default})"
                     for name, default in knobs(config_class).items()) or "none"


def _parse_value(default, text):
    kind = type(default)
    if kind is bool:
        if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError(text)
        return text.lower() in ("true", "1", "yes")
    if kind in (tuple, list):  # "64,32" -> (64, 32), typed like the default's items
        item = type(default[0]) if default else str
        return kind(_parse_value(item(), part.strip()) for part in text.split(",") if part.strip())
    if default is None:
        return text
    return kind(text)


def parse_overrides(config_class, overrides):
    """{"key": "text"} -> {"key": typed value}; an unknown key or a bad value raises ValueError
    naming the valid keys or the expected type."""
    defaults = knobs(config_class)
    typed = {}
    for key, text in overrides.items():
        name = key.replace("-", "_")
        if name not in defaults:
            raise ValueError(f"unknown knob --{key}; valid knobs: {describe_knobs(config_class)}")
        try:
            typed[name] = _parse_value(defaults[name], str(text))
        except ValueError:
            kind = type(defaults[name]).__name__
            article = "an" if kind[0] in "aeiou" else "a"
            raise ValueError(f"--{key}: expected {article} {kind} like {defaults[name]!r}, got "
                             f"{text!r}; valid knobs: {describe_knobs(config_class)}") from None
    return typed


def knob_arguments(argv):
    """Command-line words to overrides: ["--lr", "0.1", "--hidden-size=32", "--flag"] ->
    {"lr": "0.1", "hidden-size": "32", "flag": "true"}; a bare --KNOB switches a bool on."""
    overrides, index = {}, 0
    while index < len(argv):
        token = argv[index]
        if not token.startswith("--") or token == "--":
            raise ValueError(f"expected --KNOB VALUE, got {token!r}")
        key, has_value, value = token[2:].partition("=")
        if not has_value:
            following = argv[index + 1] if index + 1 < len(argv) else "--"
            bare = following.startswith("--")
            value = "true" if bare else following
            index += 0 if bare else 1
        overrides[key] = value
        index += 1
    return overrides


def make_config(module, quick=False, seed=0, out="runs", overrides=None):
    """The lesson's Config with the overrides parsed and validated (ValueError if one is bad)."""
    typed = parse_overrides(module.Config, overrides or {})
    cfg = module.Config(quick=quick, seed=seed, out=Path(out), **typed)
    if hasattr(cfg, "validate"):
        cfg.validate()
    return cfg


def run_lesson(module, quick=False, seed=0, out="runs", overrides=None):
    """Seed, run and time a lesson module; write metrics.json; return its Result."""
    cfg = make_config(module, quick, seed, out, overrides)
    gn.manual_seed(seed)
    start = time.perf_counter()
    result = module.run(cfg)
    result.seconds = round(time.perf_counter() - start, 3)
    path = Path(out) / "metrics.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    temporary.replace(path)
    return result
