"""A zoo model's checkpoint: its weights together with what rebuilds it, so that `glassnet sample`
(and anyone with the file) can load it without knowing how it was trained.

The file is a glassnet checkpoint (glassnet.save: .npz, no pickle, written atomically) holding
{"format": "glassnet-model", "name": registered name, "config": the model's config as plain
values, "model": state dict, "extra": anything else the model needs to be used, e.g. "chars",
the alphabet of a character-level model}. A checkpoint written by `fit` (glassnet.train) is read
too when its run config names the model: {"model": name, "model_config": {...}, ...}.

What `glassnet sample` asks of a model: a text model has
``generate(idx (B, T) int64, max_new_tokens, temperature=1.0, top_k=None) -> (B, T + new)`` and
its checkpoint's extra holds "chars"; an image model has ``sample(n) -> (n, C, H, W)`` with
pixels in [0, 1].
"""

import dataclasses
import os

from glassnet.serialize import load, save

FORMAT = "glassnet-model"


def save_model(path, name, model, **extra):
    """Write model (a registered zoo model with a dataclass .config) to path, atomically."""
    from glassnet import models

    models.get(name)  # an unregistered name would make a file nothing can load
    if not dataclasses.is_dataclass(getattr(model, "config", None)):
        raise TypeError(f"save_model: {type(model).__name__} has no dataclass .config to save")
    save({"format": FORMAT, "name": name, "config": dataclasses.asdict(model.config),
             "model": model.state_dict(), "extra": extra}, path)


def load_model(path, expected=None):
    """(model in eval mode, extra dict) from a checkpoint written by save_model, or by fit with
    a run config naming the model. expected: the model name the caller wants; another name in
    the file is an error naming both."""
    from glassnet import models

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint at {path}")
    saved = load(path)
    run = saved.get("config") if isinstance(saved, dict) else None
    if isinstance(saved, dict) and saved.get("format") == FORMAT:
        name, config, extra = saved["name"], saved["config"], saved.get("extra") or {}
    elif isinstance(run, dict) and "model_config" in run:  # a fit checkpoint (glassnet train)
        name, config, extra = run.get("model"), run["model_config"], run.get("extra") or {}
    else:
        raise ValueError(f"{path} is a glassnet checkpoint but not of a zoo model: it does not "
                         "say which model and config made it (write it with "
                         "glassnet.models.save_model)")
    if expected is not None and name != expected:
        raise ValueError(f"{path} holds a {name!r} model, not {expected!r}")
    config_class, model_class = models.get(name)
    fields = {f.name for f in dataclasses.fields(config_class)}
    unknown = sorted(set(config) - fields)
    if unknown:
        raise ValueError(f"{path}: its {name} config has keys this glassnet's {config_class.__name__}"
                         f" does not know: {', '.join(unknown)}")
    model = model_class(config_class(**config))
    model.load_state_dict(saved["model"])
    model.eval()
    return model, extra
