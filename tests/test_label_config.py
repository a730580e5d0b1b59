"""Parsing a valid label config and the forms derived from it (spec label-config.md §6)."""

import pytest

from label_studio.label_config import (
    EMPTY_CONFIG_TEXT,
    LabelConfigError,
    parse_label_config,
)

BBOX = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Airplane" background="green"/>
    <Label value="Car" background="blue"/>
  </RectangleLabels>
</View>"""


def test_parsed_config_matches_spec_example():
    config = parse_label_config(BBOX)
    assert config.controls == {
        "label": {
            "type": "RectangleLabels",
            "to_name": ["image"],
            "inputs": [{"type": "Image", "value": "image"}],
            "labels": ["Airplane", "Car"],
            "labels_attrs": {
                "Airplane": {"value": "Airplane", "background": "green"},
                "Car": {"value": "Car", "background": "blue"},
            },
        }
    }
    assert config.data_types == {"image": "Image"}
    assert config.data_keys == ["image"]
    assert config.has_control_tags


def test_empty_config_is_valid_and_empty():
    config = parse_label_config(EMPTY_CONFIG_TEXT)
    assert config.controls == {}
    assert config.data_keys == []
    assert not config.has_control_tags


def test_error_carries_messages_list():
    with pytest.raises(LabelConfigError) as info:
        parse_label_config("")
    assert info.value.messages == ["Document is empty, line 1, column 1 (<string>, line 1)"]
    assert isinstance(info.value, ValueError)
