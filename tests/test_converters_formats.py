"""Which export formats fit which label config (spec/export.md §2, with YOLO and key points)."""
import pytest

from label_studio.converters import FORMATS, find_format, formats_for
from label_studio.label_config import parse_label_config
from label_studio.templates import get_template

BASIC = ["JSON", "JSON_MIN", "CSV", "TSV"]


def fitting(config_text):
    return [f.name for f in formats_for(parse_label_config(config_text))]


@pytest.mark.parametrize("template,extra", [
    ("image_bbox", ["COCO", "VOC", "YOLO"]),
    ("image_polygons", ["COCO"]),
    ("image_keypoints", ["COCO"]),
    ("image_mixedlabel", ["COCO", "VOC", "YOLO"]),
    ("image_brushes", ["BRUSH_TO_NUMPY", "BRUSH_TO_PNG"]),
    ("image_classification", []),
    ("text_named_entity", ["CONLL2003"]),
    ("text_classification", []),
    ("audio_transcribe", ["ASR_MANIFEST"]),
    ("audio_trans_region", ["ASR_MANIFEST"]),
])
def test_templates_get_the_formats_their_controls_fit(template, extra):
    assert fitting(get_template(template)) == BASIC + extra


def test_controls_on_two_data_keys_get_only_the_table_formats():
    config = """<View>
      <Image name="image" value="$image"/>
      <RectangleLabels name="box" toName="image"><Label value="A"/></RectangleLabels>
      <Text name="caption" value="$caption"/>
      <Labels name="ner" toName="caption"><Label value="B"/></Labels>
    </View>"""
    assert fitting(config) == BASIC


def test_a_config_without_controls_gets_the_table_formats():
    assert fitting("<View><Text name='t' value='$t'/></View>") == BASIC


def test_the_control_must_target_the_right_kind_of_object():
    config = """<View><Text name="t" value="$t"/>
      <RectangleLabels name="box" toName="t"><Label value="A"/></RectangleLabels></View>"""
    assert fitting(config) == BASIC


def test_every_format_is_listed_once_in_legacy_order_then_the_new_ones():
    assert [f.name for f in FORMATS] == BASIC + [
        "CONLL2003", "COCO", "VOC", "YOLO", "BRUSH_TO_NUMPY", "BRUSH_TO_PNG", "ASR_MANIFEST"]
    assert find_format("coco").name == "COCO"
    assert find_format("nope") is None and find_format(None) is None
