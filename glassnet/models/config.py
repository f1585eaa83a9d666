"""What every model's constructor does with its arguments: Model(config) or Model(**overrides)."""


def build_config(config_class, config, overrides, model_name):
    """config as given, or config_class(**overrides); both at once is an error (an override
    would be silently lost)."""
    if config is None:
        return config_class(**overrides)
    if overrides:
        raise TypeError(f"{model_name}: pass either a config or keyword overrides, not both")
    return config
