"""Example tasks and example import files (spec label-config.md §7, api.md §6.2-§6.3)."""

import csv
import io
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest

from label_studio.label_config import (
    LabelConfigError,
    example_file,
    example_task_data,
    parse_label_config,
)


def data_for(text, sample_set="editor_preview"):
    return example_task_data(parse_label_config(text), sample_set)


def test_image_sample():
    assert data_for('<View><Image name="i" value="$image"/></View>') == {"image": "static/samples/sample.jpg"}


def test_text_raw_and_url_samples():
    data = data_for('<View><Text name="a" value="$a"/><Text name="b" value="$b" valueType="url"/>'
                    '<Text name="c" value="$c" valuetype="url"/></View>')
    assert data["a"] == "To have faith is to trust yourself to the water"
    assert data["b"] == data["c"] == "https://htx-pub.s3.amazonaws.com/example.txt"


def test_special_key_names_win_over_tag():
    data = data_for('<View><HyperText name="v" value="$video"/><HyperText name="p" value="$pdf"/>'
                    '<Text name="l" value="$longText"/><HyperText name="w" value="$website"/></View>')
    assert data["video"].startswith("<video src='static/samples/opossum_snow.mp4'")
    assert data["pdf"].startswith("<embed src='static/samples/sample.pdf'")
    assert "opossum" in data["longText"].lower()
    assert "http://heartex.ai" in data["website"]
    upload = data_for('<View><HyperText name="w" value="$website"/></View>', "upload")
    assert "https://heartex.ai" in upload["website"]


def test_hypertext_differs_between_sample_sets():
    text = '<View><HyperText name="h" value="$html"/></View>'
    assert data_for(text, "upload")["html"] == "<a href='heartex.net'>Heartex</a>"
    assert len(data_for(text)["html"]) > 200


def test_fallback_and_other_tags():
    data = data_for('<View><Header value="$title"/><Audio name="a" value="$audio"/>'
                    '<Table name="t" value="$table"/><Dialog name="d" value="$chat"/></View>')
    assert data == {
        "title": "Task header",
        "audio": "static/samples/game.wav",
        "table": {"Card number": 18799210, "First name": "Max", "Last name": "Nobel"},
        "chat": "Something",
    }


def test_paragraphs_use_name_and_text_keys():
    default = data_for('<View><Paragraphs name="p" value="$dialog"/></View>')["dialog"]
    custom = data_for('<View><Paragraphs name="p" value="$d" nameKey="who" textKey="said"/></View>')["d"]
    assert len(default) == 5 and default[0] == {"author": "Alice", "text": "Hi, Bob."}
    assert set(custom[1]) == {"who", "said"}


def test_time_series_url_form():
    value = data_for('<View><TimeSeries name="ts" value="$csv" valueType="url" timeColumn="t" '
                     'sep=";" timeFormat="%Y"><Channel column="a"/><Channel column="b"/></TimeSeries></View>')["csv"]
    parts = urlsplit(value)
    assert parts.path == "/samples/time-series.csv"
    assert parse_qs(parts.query) == {"time": ["t"], "values": ["a,b"], "sep": [";"], "tf": ["%Y"]}


def test_time_series_object_form():
    ts = data_for('<View><TimeSeries name="ts" value="$ts" timeColumn="time">'
                  '<Channel column="a"/></TimeSeries></View>')["ts"]
    assert ts["time"] == list(range(100)) and len(ts["a"]) == 100
    dated = data_for('<View><TimeSeries name="ts" value="$ts" timeColumn="d" timeFormat="%Y-%m-%d">'
                     '<Channel column="a"/></TimeSeries></View>')["ts"]
    assert dated["d"][:2] == ["2020-01-01", "2020-01-02"] and len(dated["d"]) == 100
    java = data_for('<View><TimeSeries name="ts" value="$ts" timeColumn="d" timeFormat="yyyy-MM-dd">'
                    '<Channel column="a"/></TimeSeries></View>')["ts"]
    assert java["d"][0] == "2020-01-01"


def test_embedded_data_comment_is_merged_in_editor_preview_only():
    text = '<!-- {"data": {"text": "From the comment"}} --><View><Text name="t" value="$text"/></View>'
    assert data_for(text) == {"text": "From the comment"}
    assert data_for(text, "upload")["text"] != "From the comment"


def test_embedded_whole_object_and_predictions_and_meta():
    base = '<View><Text name="t" value="$text"/></View>'
    assert data_for('<!--{"text": "bare"}-->' + base)["text"] == "bare"
    assert data_for('<!-- {"predictions": [], "text": "x"} -->' + base)["text"] != "x"
    meta = data_for('<!-- {"title": "T", "category": "C", "complexity": "basic"} -->' + base)
    assert set(meta) == {"text"}
    assert data_for("<!-- {not json} -->" + base)["text"].startswith("To have faith")


def test_unknown_sample_set():
    with pytest.raises(ValueError):
        data_for('<View/>', "nope")


TWO_KEYS = '<View><Text name="t" value="$text"/><Image name="i" value="$image"/></View>'


def test_json_file_has_two_tasks():
    body, content_type, ext = example_file(parse_label_config(TWO_KEYS), "json")
    assert (content_type, ext) == ("application/json", "json")
    tasks = orjson.loads(body)
    assert len(tasks) == 2 and tasks[0] == tasks[1] and set(tasks[0]) == {"text", "image"}


@pytest.mark.parametrize("fmt,delimiter,content_type", [("csv", ",", "text/csv"), ("tsv", "\t", "text/tab-separated-values")])
def test_table_files(fmt, delimiter, content_type):
    body, ctype, ext = example_file(parse_label_config(TWO_KEYS), fmt)
    assert (ctype, ext) == (content_type, fmt)
    rows = list(csv.reader(io.StringIO(body.decode()), delimiter=delimiter))
    assert rows[0] == ["text", "image"] and len(rows) == 3 and rows[1] == rows[2]


def test_table_file_cells_hold_json_for_structures():
    body, _, _ = example_file(parse_label_config('<View><Table name="t" value="$table"/></View>'), "csv")
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert orjson.loads(rows[1][0])["First name"] == "Max"


def test_txt_file_with_one_key():
    body, content_type, ext = example_file(parse_label_config('<View><Text name="t" value="$text"/></View>'), "txt")
    assert content_type == "text/plain" and ext == "txt"
    assert body.decode().splitlines() == ["To have faith is to trust yourself to the water"] * 2


def test_txt_with_several_keys_and_unknown_format_are_refused():
    config = parse_label_config(TWO_KEYS)
    with pytest.raises(LabelConfigError, match="exactly one data key"):
        example_file(config, "txt")
    with pytest.raises(LabelConfigError, match="Incorrect format"):
        example_file(config, "xml")


def test_list_configs_only_have_json_examples():
    config = parse_label_config('<View><List name="l" value="$items"/><Ranker name="r" toName="l"/></View>')
    items = orjson.loads(example_file(config, "json")[0])[0]["items"]
    assert all("text" in item for item in items)
    assert config.check_task_data({"items": items}) == []
    with pytest.raises(LabelConfigError, match="json"):
        example_file(config, "csv")
