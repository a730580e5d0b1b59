"""The label config language: safe parsing, validation and derived forms."""

from .catalog import CONTROL_TAGS, OBJECT_TAGS, VISUAL_TAGS, check_data_value
from .compat import (OutputUsage, check_against_data, usage_from_json, usage_keys,
                     usage_to_json)
from .examples import FILE_FORMATS, example_file, example_task_data
from .model import (
    EMPTY_CONFIG_TEXT,
    LabelConfig,
    LabelConfigError,
    parse_label_config,
    validate_config_file,
    validate_label_config,
)
from .xmlsafe import MAX_CONFIG_BYTES, MAX_ELEMENTS

__all__ = [
    "CONTROL_TAGS", "OBJECT_TAGS", "VISUAL_TAGS", "check_data_value",
    "EMPTY_CONFIG_TEXT", "LabelConfig", "LabelConfigError", "parse_label_config",
    "validate_config_file", "OutputUsage", "check_against_data", "usage_keys",
    "usage_to_json", "usage_from_json", "FILE_FORMATS",
    "example_file", "example_task_data", "validate_label_config", "MAX_CONFIG_BYTES", "MAX_ELEMENTS",
]
