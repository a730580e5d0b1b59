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


def test_crlf_is_turned_into_lf():
    config = parse_label_config(BBOX.replace("\n", "\r\n"))
    assert "\r" not in config.text
    assert config.text == BBOX


def test_bytes_input_is_decoded_as_utf8_with_bom():
    config = parse_label_config(b"\xef\xbb\xbf" + '<View><Header value="Grüße"/></View>'.encode())
    assert config.text.startswith("<View>")


def test_data_types_first_position_last_tag_wins():
    config = parse_label_config(
        '<View><Text name="a" value="$text"/><Image name="i" value="$image"/>'
        '<HyperText name="b" value="$text"/></View>'
    )
    assert config.data_types == {"text": "HyperText", "image": "Image"}
    assert config.data_keys == ["text", "image"]


def test_data_types_include_header_and_skip_static_values():
    config = parse_label_config(
        '<View><Header value="$title"/><Text name="s" value="Static"/>'
        '<Text name="t" value="$text"/></View>'
    )
    assert config.data_types == {"title": "Header", "text": "Text"}
    assert [tag for _, tag, _ in config.input_tags] == ["Text"]


def test_root_value_is_not_a_data_key():
    config = parse_label_config('<Foo value="$x"><Text name="t" value="$text"/></Foo>')
    assert config.data_keys == ["text"]


def test_labels_nested_in_views_and_aliases_and_duplicates():
    config = parse_label_config(
        '<View><Text name="t" value="$t"/>'
        '<Choices name="c" toName="t"><View><Choice value="A" alias="a"/></View>'
        '<Choice value="B"/><Choice value="B" hotkey="x"/></Choices></View>'
    )
    control = config.controls["c"]
    assert control["labels"] == ["a", "B"]
    assert control["labels_attrs"]["a"] == {"value": "A", "alias": "a"}
    assert control["labels_attrs"]["B"] == {"value": "B"}


def test_taxonomy_collects_nested_choices():
    config = parse_label_config(
        '<View><Text name="t" value="$t"/><Taxonomy name="tax" toName="t">'
        '<Choice value="A"><Choice value="A1"/></Choice><Choice value="B"/></Taxonomy></View>'
    )
    assert config.controls["tax"]["labels"] == ["A", "A1", "B"]


def test_pairwise_has_two_targets_and_inputs():
    config = parse_label_config(
        '<View><Text name="a" value="$a"/><Text name="b" value="$b"/>'
        '<Pairwise name="p" toName="a,b"/></View>'
    )
    assert config.controls["p"]["to_name"] == ["a", "b"]
    assert config.controls["p"]["inputs"] == [{"type": "Text", "value": "a"}, {"type": "Text", "value": "b"}]
    assert config.controls["p"]["labels"] == []


def test_filter_is_not_a_control():
    config = parse_label_config(
        '<View><Image name="i" value="$i"/><Filter name="f" toName="l"/>'
        '<RectangleLabels name="l" toName="i"><Label value="x"/></RectangleLabels></View>'
    )
    assert list(config.controls) == ["l"]


def test_single_choice_is_accepted():
    config = parse_label_config(
        '<View><Text name="t" value="$t"/><Choices name="c" toName="t"><Choice value="A"/></Choices></View>'
    )
    assert config.controls["c"]["labels"] == ["A"]


def test_names_in_comments_are_ignored():
    parse_label_config('<View><!-- <Text name="t"/> --><Text name="t" value="$t"/></View>')


def test_other_roots_are_accepted():
    config = parse_label_config('<Foo><Text name="t" value="$t"/></Foo>')
    assert config.data_keys == ["t"]


def test_label_config_line_without_comments_keeps_text():
    config = parse_label_config(BBOX)
    assert config.label_config_line == BBOX.replace("\n", "")
    assert config.label_config_full == BBOX


def test_label_config_line_drops_comments_and_meta():
    text = '<!-- {"title": "x"} -->\n<View>\n  <!-- note -->\n  <Image name="i" value="$i"/>\n</View>'
    config = parse_label_config(text)
    assert "<!--" not in config.label_config_line
    assert "\n" not in config.label_config_line
    assert '<Image name="i" value="$i"/>' in config.label_config_line
    assert config.text == text  # stored as submitted
    assert config.comments == (' {"title": "x"} ', " note ")


def test_import_formats():
    one = parse_label_config('<View><Text name="t" value="$t"/></View>')
    two = parse_label_config('<View><Text name="t" value="$t"/><Image name="i" value="$i"/></View>')
    listed = parse_label_config('<View><List name="l" value="$items"/><Ranker name="r" toName="l"/></View>')
    assert one.import_formats() == ["json", "csv", "tsv", "txt"]
    assert two.import_formats() == ["json", "csv", "tsv"]
    assert listed.import_formats() == ["json"]
    assert parse_label_config(EMPTY_CONFIG_TEXT).import_formats() == ["json", "csv", "tsv"]


VALUES = """<View>
  <Text name="t" value="$text"/><Header value="$title"/><HyperText name="h" value="$html"/>
  <Image name="i" value="$image"/><Paragraphs name="p" value="$dialog"/><Table name="tb" value="$table"/>
  <TimeSeries name="ts" value="$ts"><Channel column="a"/></TimeSeries><Audio name="a" value="$audio"/>
  <List name="l" value="$items"/><Ranker name="r" toName="l"/><Video name="v" value="$video"/>
</View>"""


@pytest.mark.parametrize("key,value", [
    ("text", "x"), ("text", 5), ("text", 1.5), ("title", 3), ("html", "<b>x</b>"),
    ("image", "s3://b/k.jpg"), ("image", ["a.jpg", "b.jpg"]), ("dialog", [{"author": "A", "text": "t"}]),
    ("table", {"a": 1}), ("ts", {"time": [1]}), ("ts", [1, 2]), ("ts", "http://x/ts.csv"),
    ("audio", "a.wav"), ("items", "legacy string"), ("items", [{"text": "one"}]), ("video", "<video/>"),
])
def test_accepted_value_types(key, value):
    config = parse_label_config(VALUES)
    assert config.check_value(key, value) is None


@pytest.mark.parametrize("key,value,expected", [
    ("text", [1], '"list"'), ("text", {"a": 1}, '"object"'), ("text", None, '"null"'),
    ("html", 5, '"integer"'), ("image", 5, "<Image>"), ("dialog", "hi", '"string"'),
    ("table", [1], "<Table>"), ("audio", {"a": 1}, "<Audio>"), ("ts", 5, "<TimeSeries>"),
    ("items", ["plain"], '"text" key'), ("video", 1, '"string"'),
])
def test_rejected_value_types(key, value, expected):
    config = parse_label_config(VALUES)
    message = config.check_value(key, value)
    assert message is not None and expected in message
    assert message.startswith(f'data["{key}"]')


def test_value_types_and_task_data_check():
    config = parse_label_config(VALUES)
    assert config.value_types("text") == ("string", "integer", "float")
    assert config.value_types("video") == ("string",)
    errors = config.check_task_data({"text": [1]})
    assert errors[0].startswith('data["text"]=[1] is of type "list"')
    assert '"title" key is expected in task data' in errors


def test_object_pairs():
    config = parse_label_config(BBOX)
    assert config.object_pairs == {("image", "$image")}


def test_validate_config_file(tmp_path):
    from label_studio.label_config import validate_config_file

    good = tmp_path / "good.xml"
    good.write_text(BBOX)
    bad = tmp_path / "bad.xml"
    bad.write_text("<View>")
    assert validate_config_file(good) == []
    assert "Premature end of data" in validate_config_file(bad)[0]
    assert "Cannot read" in validate_config_file(tmp_path / "missing.xml")[0]


@pytest.mark.parametrize("value", [None, 5, b"\xff<View/>"])
def test_non_text_input_is_a_label_config_error(value):
    with pytest.raises(LabelConfigError, match="UTF-8 text"):
        parse_label_config(value)
