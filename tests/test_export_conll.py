"""CONLL2003, read back token by token."""
import pytest

from test_export_helpers import completion, export, new_project, region

CONFIG = """<View>
  <Labels name="ner" toName="text">
    <Label value="PER"/><Label value="LOC"/>
  </Labels>
  <Labels name="misc" toName="text">
    <Label value="COUNTRY"/>
  </Labels>
  <Choices name="lang" toName="text">
    <Choice value="en"/><Choice value="pt"/>
  </Choices>
  <Text name="text" value="$text"/>
</View>
"""


def span(text, piece, label, from_name="ner", occurrence=0, offset_shift=0):
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(piece, start + 1)
    value = {"start": start + offset_shift, "end": start + len(piece) + offset_shift,
             "text": piece, "labels": [label]}
    return region(from_name, "text", "labels", value)


TEXT0 = "Zoë  Saldaña visited São Paulo, Brazil."
TEXT1 = "I ❤️ 😀 Berlin!"
TASKS = [
    {"data": {"text": TEXT0}, "completions": [completion(
        region("lang", "text", "choices", {"choices": ["en"]}),     # a non-span result first
        span(TEXT0, "Zoë  Saldaña", "PER"),
        span(TEXT0, "São Paulo", "LOC"),
        span(TEXT0, "Paulo", "PER"),                                # nested: the outer one wins
        span(TEXT0, "Brazil", "COUNTRY", from_name="misc"))]},
    # LSF offsets count UTF-16 units: the emoji before "Berlin" counts twice
    {"data": {"text": TEXT1}, "completions": [completion(
        span(TEXT1, "Berlin", "LOC", offset_shift=1))]},
    {"data": {"text": "Skipped text"}, "completions": [completion(cancelled=True)]},
    {"data": {"text": "No entities here."}, "completions": [completion()]},
    {"data": {"text": "Ann met Bob"}, "completions": [completion(
        span("Ann met Bob", "Ann met", "PER"), span("Ann met Bob", "met Bob", "LOC"))]},
]


@pytest.fixture(scope="module")
def sentences(tmp_path_factory):
    project_dir = new_project(tmp_path_factory.mktemp("conll") / "proj", CONFIG, TASKS)
    text = export(project_dir, "CONLL2003", tmp_path_factory.mktemp("conll-out")).read(
        "result.conll")
    lines = text.split("\n")
    assert lines[0] == "-DOCSTART- -X- O"
    found, current = [], []
    for line in lines[1:]:
        if line:
            token, x, underscore, tag = line.split(" ")
            assert (x, underscore) == ("-X-", "_")
            current.append((token, tag))
        elif current:
            found.append(current)
            current = []
    assert not current, "the file must end with a blank line"
    return found


def test_tokens_are_words_and_punctuation_with_bio_tags(sentences):
    assert sentences[0] == [
        ("Zoë", "B-PER"), ("Saldaña", "I-PER"), ("visited", "O"), ("São", "B-LOC"),
        ("Paulo", "I-LOC"), (",", "O"), ("Brazil", "B-COUNTRY"), (".", "O")]


def test_utf16_offsets_from_the_frontend_land_on_the_right_token(sentences):
    assert sentences[1] == [("I", "O"), ("❤️", "O"), ("😀", "O"), ("Berlin", "B-LOC"), ("!", "O")]


def test_cancelled_tasks_are_left_out_and_empty_ones_are_all_o(sentences):
    assert sentences[2] == [("No", "O"), ("entities", "O"), ("here", "O"), (".", "O")]


def test_overlapping_spans_keep_the_first(sentences):
    assert sentences[3] == [("Ann", "B-PER"), ("met", "I-PER"), ("Bob", "O")]
    assert len(sentences) == 4
