"""Bundled templates (spec label-config.md §8)."""

import csv
import io
import re
from pathlib import Path

import orjson
import pytest

from label_studio.label_config import (
    OutputUsage,
    check_against_data,
    example_file,
    example_task_data,
    parse_label_config,
)
from label_studio.templates import (
    TEMPLATE_NAMES,
    format_template_list,
    get_template,
    list_templates,
    templates_by_category,
)

LEGACY_NAMES = """
adv_layouts_columns2 adv_layouts_columns3 adv_layouts_long_text adv_layouts_sticky_header
adv_layouts_sticky_left_column adv_nested_2level adv_nested_3level adv_nested_conditional
adv_other_filter adv_other_pairwise adv_other_relations adv_other_table adv_other_table2
adv_region_image adv_region_text adv_region_trans adv_text_classification
audio_classification audio_diarization audio_emotions audio_trans_region audio_transcribe
html_chatbot html_classification html_dialogues html_document html_pdf html_video
html_video_timeline html_website image_bbox image_bbox_coco image_brushes image_circular
image_classification image_keypoints image_mixedlabel image_multi_class image_polygons
text_alignment text_classification text_multi_class text_named_entity text_summarization
text_taxonomy ts_classification ts_loading_csv ts_loading_csv_notime ts_loading_headless
ts_loading_json ts_multi_step ts_rel_between_channels ts_rel_text ts_segmentation
""".split()

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "label_studio" / "templates"


def test_all_legacy_names_are_present():
    assert sorted(LEGACY_NAMES) == list(TEMPLATE_NAMES)
    assert {t.name for t in list_templates()} == set(LEGACY_NAMES)


def test_files_match_the_package_data_glob():
    assert sorted(p.stem for p in TEMPLATE_DIR.glob("*.xml")) == sorted(LEGACY_NAMES)


@pytest.mark.parametrize("name", LEGACY_NAMES)
def test_template_starts_with_meta_comment(name):
    text = get_template(name)
    match = re.match(r"<!-- (\{.*?\}) -->\n", text)
    assert match, name
    meta = orjson.loads(match.group(1))
    assert meta["title"] and meta["category"] and meta["complexity"] in ("basic", "advanced")


@pytest.mark.parametrize("name", LEGACY_NAMES)
def test_template_validates_and_its_examples_fit(name):
    config = parse_label_config(get_template(name))
    assert config.data_keys, name
    for sample_set in ("editor_preview", "upload"):
        data = example_task_data(config, sample_set)
        assert set(data) == set(config.data_keys)
        assert config.check_task_data(data) == []
        assert check_against_data(config, 2, {k: 2 for k in data}, OutputUsage()) == []


@pytest.mark.parametrize("name", LEGACY_NAMES)
def test_template_example_files_parse_back(name):
    config = parse_label_config(get_template(name))
    for fmt in config.import_formats():
        body, _, ext = example_file(config, fmt)
        assert ext == fmt and body
        if fmt == "json":
            tasks = orjson.loads(body)
        elif fmt in ("csv", "tsv"):
            tasks = list(csv.DictReader(io.StringIO(body.decode()), delimiter="," if fmt == "csv" else "\t"))
        else:
            tasks = [{config.data_keys[0]: line} for line in body.decode().splitlines()]
        assert len(tasks) == 2 and set(tasks[0]) == set(config.data_keys)


def test_templates_cover_every_control_family():
    types = {c["type"] for t in list_templates() for c in parse_label_config(t.text).controls.values()}
    assert {"Choices", "Labels", "RectangleLabels", "PolygonLabels", "KeyPointLabels", "EllipseLabels",
            "BrushLabels", "TimeSeriesLabels", "HyperTextLabels", "ParagraphLabels", "TextArea",
            "Rating", "Taxonomy", "Pairwise"} <= types


def test_templates_are_grouped_basic_first():
    templates = list_templates()
    ranks = [t.complexity for t in templates]
    assert ranks.index("advanced") > ranks.index("basic")
    grouped = templates_by_category()
    assert sum(len(v) for v in grouped.values()) == len(LEGACY_NAMES)
    assert all(len({t.category for t in group}) == 1 for group in grouped.values())


def test_unknown_template_is_a_key_error():
    with pytest.raises(KeyError, match="no_such"):
        get_template("no_such")


def test_listing_names_every_template():
    listing = format_template_list()
    for name in LEGACY_NAMES:
        assert re.search(rf"^  {name}\s", listing, re.MULTILINE)
