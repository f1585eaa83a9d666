"""The lessons, in the article's order. Each is one module; see base.py for what it exposes.

Only the CLI and the report import this package (a test enforces it)."""

import importlib

# name -> module, in the article's order; a lesson is listed once its file exists
ORDER = (
    "neuron",
    "digits",
    "gradient-descent",
    "perceptron",
    "activations",
    "backprop",
)


def module_name(name):
    return "glassnet.lessons." + name.replace("-", "_")


def get(name):
    """The lesson module called name; an unknown name raises KeyError listing the valid ones."""
    if name not in ORDER:
        raise KeyError(f"unknown lesson {name!r}; lessons: {', '.join(ORDER)}")
    return importlib.import_module(module_name(name))


def all_lessons():
    return [get(name) for name in ORDER]
