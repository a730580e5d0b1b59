"""JSON, JSON_MIN, CSV and TSV, read back with json and csv."""
import csv
import json

import pytest

from test_export_helpers import completion, export, new_project, region

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="Pos"/><Choice value="Neg"/>
  </Choices>
  <Choices name="topics" toName="text" choice="multiple">
    <Choice value="Sport"/><Choice value="Politics"/><Choice value="Art"/>
  </Choices>
  <Labels name="ner" toName="text">
    <Label value="PER"/>
  </Labels>
</View>
"""


def choices(name, *picked):
    return region(name, "text", "choices", {"choices": list(picked)})


JOHN = region("ner", "text", "labels", {"start": 0, "end": 4, "text": "John", "labels": ["PER"]})
TASKS = [
    {"data": {"text": "John plays, then paints"}, "completions": [completion(
        choices("sentiment", "Pos"), choices("topics", "Sport", "Art"), JOHN)]},
    {"data": {"text": "skipped"}, "completions": [completion(choices("sentiment", "Neg"),
                                                             cancelled=True)]},
    {"data": {"text": "changed my mind"}, "completions": [
        completion(choices("sentiment", "Pos"), created_at=100),
        completion(choices("sentiment", "Neg"), created_at=200)]},
    {"data": {"text": "never labeled"}},
    {"data": {"text": 'Zoë said "hi",\nthen\tleft'}, "completions": [completion(
        choices("sentiment", "Pos"))]},
    {"data": {"text": "nothing here"}, "completions": [completion()]},
]


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory):
    return new_project(tmp_path_factory.mktemp("text") / "proj", CONFIG, TASKS)


def test_json_holds_every_completion_of_every_completed_task(project_dir, tmp_path):
    tasks = json.loads(export(project_dir, "JSON", tmp_path).read("result.json"))
    assert [t["id"] for t in tasks] == [0, 1, 2, 4, 5]
    assert [len(t["completions"]) for t in tasks] == [1, 1, 2, 1, 1]
    assert tasks[1]["completions"][0]["was_cancelled"] is True
    assert tasks[0]["data"] == {"text": "John plays, then paints"}
    assert tasks[0]["completions"][0]["result"][2]["value"]["labels"] == ["PER"]


def test_json_is_indented_like_the_legacy_file(project_dir, tmp_path):
    text = export(project_dir, "JSON", tmp_path).read("result.json")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False)


def test_json_min_has_one_flat_record_per_task(project_dir, tmp_path):
    records = json.loads(export(project_dir, "JSON_MIN", tmp_path).read("result.json"))
    assert records == [
        {"text": "John plays, then paints", "id": 0, "sentiment": "Pos",
         "topics": {"choices": ["Sport", "Art"]},
         "ner": [{"start": 0, "end": 4, "text": "John", "labels": ["PER"]}]},
        {"text": "changed my mind", "id": 2, "sentiment": "Neg"},
        {"text": 'Zoë said "hi",\nthen\tleft', "id": 4, "sentiment": "Pos"},
        {"text": "nothing here", "id": 5},
    ]


@pytest.mark.parametrize("export_format,name,delimiter", [("CSV", "result.csv", ","),
                                                          ("TSV", "result.tsv", "\t")])
def test_tables_hold_the_json_min_records(project_dir, tmp_path, export_format, name, delimiter):
    result = export(project_dir, export_format, tmp_path)
    with open(result.path(name), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter=delimiter))
    assert list(rows[0]) == ["text", "id", "sentiment", "topics", "ner"]
    assert [r["id"] for r in rows] == ["0", "2", "4", "5"]
    first = rows[0]
    assert first["sentiment"] == "Pos"
    assert json.loads(first["topics"]) == {"choices": ["Sport", "Art"]}
    assert json.loads(first["ner"]) == [{"start": 0, "end": 4, "text": "John", "labels": ["PER"]}]
    assert rows[2]["text"] == 'Zoë said "hi",\nthen\tleft'
    assert rows[3] == {"text": "nothing here", "id": "5", "sentiment": "", "topics": "",
                       "ner": ""}


def test_same_project_exports_identical_files(project_dir, tmp_path):
    for export_format, name in (("JSON", "result.json"), ("CSV", "result.csv")):
        first = export(project_dir, export_format, tmp_path / "a").read(name)
        second = export(project_dir, export_format, tmp_path / "b").read(name)
        assert first == second


def test_a_project_without_completions_exports_empty_files(tmp_path):
    project_dir = new_project(tmp_path / "p", CONFIG, [{"data": {"text": "a"}}])
    assert export(project_dir, "JSON", tmp_path / "json").read("result.json") == "[]"
    assert export(project_dir, "CSV", tmp_path / "csv").read("result.csv") == ""
