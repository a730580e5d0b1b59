"""What the export formats read from a parsed label config (LabelConfig.controls)."""

IMAGE = ("Image",)
TEXT = ("Text",)
AUDIO = ("Audio", "AudioPlus")


def controls_on(config, control_types, input_types) -> list[str]:
    """Names of the controls of these tags that target an object of these tags, config order."""
    return [name for name, control in config.controls.items()
            if control["type"] in control_types
            and any(i["type"] in input_types for i in control["inputs"])]


def control_data_keys(config) -> list[str]:
    """The distinct data keys the controls point at, first appearance first."""
    keys = {}
    for control in config.controls.values():
        for target in control["inputs"]:
            keys.setdefault(target["value"], None)
    return list(keys)


def data_key_of(config, control_names, input_types) -> str | None:
    """The data key of the first object of these tags that one of the controls targets."""
    for name in control_names:
        for target in config.controls[name]["inputs"]:
            if target["type"] in input_types:
                return target["value"]
    return None


def labels_of(config, control_names) -> list[str]:
    """The labels of these controls in config order, each once."""
    labels = {}
    for name in control_names:
        for label in config.controls[name]["labels"]:
            labels.setdefault(label, None)
    return list(labels)
