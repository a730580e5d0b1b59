"""Invalid configs are rejected with a message naming the tag, the attribute and the fix (§4)."""

import pytest

from label_studio.label_config import LabelConfigError, parse_label_config

IMG = '<Image name="img" value="$image"/>'
TXT = '<Text name="txt" value="$text"/>'
TS = '<TimeSeries name="ts" value="$ts" timeColumn="time"><Channel column="v"/></TimeSeries>'


def view(*parts: str) -> str:
    return "<View>" + "".join(parts) + "</View>"


# (case id, config, substrings that must all appear in one of the messages)
INVALID = [
    # §4.1 parse errors: lxml's own text
    ("broken-attribute", '<View><Image name="i" value="$i" x></View>', ["Specification mandates value for attribute x", "line 1"]),
    ("empty", "", ["Document is empty"]),
    ("unclosed", "<View><Text name='t' value='$t'>", ["Premature end of data"]),
    ("mismatched-tag", "<View><Text name='t' value='$t'></View></Text>", ["mismatch"]),
    ("two-roots", "<View/><View/>", ["Extra content at the end of the document"]),
    ("undefined-entity", "<View><Header value='&nope;'/></View>", ["Entity 'nope' not defined"]),
    # §4.2 object tags need name and value, anywhere in the tree
    ("image-no-value", view('<Image name="img"/>'), ["Validation failed on View/Image", "'value' is a required property", '<Image name="img">', 'value="$<data key>"']),
    ("image-no-name", view('<Image value="$image"/>'), ["Validation failed on View/Image", "'name' is a required property", "<Image>", 'name="..."']),
    ("text-no-value-nested", view('<View><View><Text name="t"/></View></View>'), ["View/View/View/Text", "'value' is a required property", '<Text name="t">']),
    ("hypertext-no-value", view('<HyperText name="h"/>'), ["<HyperText", "'value'"]),
    ("audio-no-name", view('<Audio value="$a"/>'), ["View/Audio", "'name'"]),
    ("paragraphs-no-value", view('<Paragraphs name="p"/>'), ["<Paragraphs", "'value'"]),
    ("table-no-value", view('<Table name="tb"/>'), ["<Table", "'value'"]),
    ("timeseries-no-value", view('<TimeSeries name="ts"><Channel column="a"/></TimeSeries>'), ["<TimeSeries", "'value'"]),
    ("dollar-without-key", view('<Text name="t" value="$"/>'), ['value="$" with no data key', '<Text name="t">']),
    # §4.2 control tags need name and toName (every control family)
    ("choices-no-toname", view(TXT, '<Choices name="c"><Choice value="A"/></Choices>'), ["View/Choices", "'toName' is a required property", '<Choices name="c">', 'toName="<object name>"']),
    ("choices-no-name", view(TXT, '<Choices toName="txt"><Choice value="A"/></Choices>'), ["'name' is a required property", "<Choices>"]),
    ("labels-no-toname", view(TXT, '<Labels name="l"><Label value="A"/></Labels>'), ["<Labels name=\"l\">", "'toName'"]),
    ("labels-no-name", view(TXT, '<Labels toName="txt"><Label value="A"/></Labels>'), ["<Labels>", "'name'"]),
    ("rectanglelabels-no-toname", view(IMG, '<RectangleLabels name="r"><Label value="A"/></RectangleLabels>'), ['<RectangleLabels name="r">', "'toName'"]),
    ("polygonlabels-no-name", view(IMG, '<PolygonLabels toName="img"><Label value="A"/></PolygonLabels>'), ["<PolygonLabels>", "'name'"]),
    ("keypoint-no-toname", view(IMG, '<KeyPoint name="k"/>'), ['<KeyPoint name="k">', "'toName'"]),
    ("brushlabels-no-toname", view(IMG, '<BrushLabels name="b"><Label value="A"/></BrushLabels>'), ['<BrushLabels name="b">', "'toName'"]),
    ("timeserieslabels-no-toname", view(TS, '<TimeSeriesLabels name="tl"><Label value="A"/></TimeSeriesLabels>'), ['<TimeSeriesLabels name="tl">', "'toName'"]),
    ("textarea-no-toname", view(TXT, '<TextArea name="ta"/>'), ['<TextArea name="ta">', "'toName'"]),
    ("rating-no-name", view(TXT, '<Rating toName="txt"/>'), ["<Rating>", "'name'"]),
    ("taxonomy-no-toname", view(TXT, '<Taxonomy name="tx"><Choice value="A"/></Taxonomy>'), ['<Taxonomy name="tx">', "'toName'"]),
    ("pairwise-no-toname", view(TXT, '<Pairwise name="pw"/>'), ['<Pairwise name="pw">', "'toName'"]),
    # §4.2 children
    ("labels-without-label", view(TXT, '<Labels name="l" toName="txt"></Labels>'), ['<Labels name="l"> has no <Label> children', '<Label value="..."/>']),
    ("choices-without-choice", view(TXT, '<Choices name="c" toName="txt"/>'), ['<Choices name="c"> has no <Choice> children', '<Choice value="..."/>']),
    ("label-no-value", view(TXT, '<Labels name="l" toName="txt"><Label background="red"/></Labels>'), ["View/Labels/Label", "'value' is a required property of <Label>", 'inside <Labels name="l">']),
    ("choice-no-value", view(TXT, '<Choices name="c" toName="txt"><Choice value="A"/><Choice/></Choices>'), ["View/Choices/Choice", "'value' is a required property of <Choice>"]),
    ("rect-label-no-value", view(IMG, '<RectangleLabels name="r" toName="img"><Label/></RectangleLabels>'), ["View/RectangleLabels/Label", "'value'"]),
    ("taxonomy-choice-no-value", view(TXT, '<Taxonomy name="tx" toName="txt"><Choice value="A"><Choice/></Choice></Taxonomy>'), ["View/Taxonomy/Choice/Choice", "'value'"]),
    ("label-directly-in-view", view(TXT, "<Label/>"), ["View/Label", "'value' is a required property of <Label>"]),
    ("channel-no-column", view('<TimeSeries name="ts" value="$ts"><Channel legend="x"/></TimeSeries>'), ["View/TimeSeries/Channel", "'column' is a required property of <Channel>", '<TimeSeries name="ts">']),
    ("relation-no-value", view(TXT, "<Relations><Relation/></Relations>"), ["View/Relations/Relation", "'value' is a required property of <Relation>"]),
    # §4.3 unique names
    ("duplicate-object-names", view(IMG, '<Image name="img" value="$other"/>'),
     ["Label config contains non-unique names ['img', 'img']", '"img" is used 2 times']),
    ("duplicate-control-names", view(TXT, '<Choices name="c" toName="txt"><Choice value="A"/></Choices>',
                                     '<TextArea name="c" toName="txt"/>'),
     ["non-unique names ['txt', 'c', 'c']", '"c" is used 2 times']),
    ("control-named-like-object", view(TXT, '<Labels name="txt" toName="txt"><Label value="A"/></Labels>'), ["non-unique names", '"txt"']),
    # §4.4 unknown toName
    ("unknown-toname", view(IMG, '<Choices name="c" toName="imagex"><Choice value="A"/></Choices>'),
     ["toName=\"imagex\" not found in names: ['c', 'img']", '<Choices name="c">']),
    ("unknown-second-toname", view(TXT, '<Pairwise name="pw" toName="txt,other"/>'), ['toName="other" not found', '<Pairwise name="pw">']),
    ("filter-unknown-toname", view(TXT, '<Filter name="f" toName="nothing"/>'), ['toName="nothing" not found', '<Filter name="f">']),
    ("empty-toname", view(TXT, '<TextArea name="ta" toName=""/>'), ['toName="" not found']),
    # §4.5 controls must point at object tags
    ("control-targets-control", view(TXT, '<Labels name="lbl" toName="txt"><Label value="A"/></Labels>',
                                     '<Choices name="c" toName="lbl"><Choice value="A"/></Choices>'),
     ["to_name=lbl is specified for output tag name=c, but we can't find it among input tags", '<Labels name="lbl"> is not an object tag', '<Choices name="c">']),
    ("control-targets-view", '<View name="layout">' + TXT + '<Rating name="r" toName="layout"/></View>',
     ["to_name=layout is specified for output tag name=r", '<View name="layout">']),
    ("rect-targets-header", view('<Header name="h" value=""/>', '<RectangleLabels name="r" toName="h"><Label value="A"/></RectangleLabels>'),
     ["to_name=h is specified for output tag name=r"]),
]


def _messages(config: str) -> list[str]:
    with pytest.raises(LabelConfigError) as info:
        parse_label_config(config)
    return info.value.messages


@pytest.mark.parametrize("config,expected", [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_config_is_rejected_with_message(config, expected):
    messages = _messages(config)
    assert messages and all(isinstance(m, str) and m for m in messages)
    assert any(all(part in m for part in expected) for m in messages), messages


def test_at_least_thirty_invalid_cases():
    assert len(INVALID) >= 30


def test_first_failing_rule_wins():
    # A schema error and a duplicate name: only the schema rule reports.
    messages = _messages(view('<Image name="a"/>', '<Text name="a" value="$t"/>'))
    assert len(messages) == 1 and messages[0].startswith("Validation failed on")


def test_all_problems_of_the_failing_rule_are_reported():
    messages = _messages(view('<Image name="a"/>', '<Text value="$t"/>'))
    assert len(messages) == 2


def test_error_string_joins_messages():
    with pytest.raises(ValueError, match="'toName' is a required property"):
        parse_label_config(view(TXT, '<TextArea name="ta"/>'))


@pytest.mark.parametrize("config", [
    view(IMG, '<RectangleLabels name="r" toName="img"/>'),  # empty label sets pass (§4.8)
    view(TXT, '<Labels name="l" toName="txt"><Label value="A"/><Label value="A"/></Labels>'),  # duplicate labels
    view(TXT, '<RectangleLabels name="r" toName="txt"><Label value="A"/></RectangleLabels>'),  # type mismatch
    view(TXT, '<Choices name="c" toName="txt" choice="whatever"><Choice value="A"/></Choices>'),
    view(TXT, '<Unknown foo="bar"/>'),
    view(TXT, '<Choices name="c" toName="txt" value="$options"/>'),  # options from task data
    view('<Text name="t" value="Static text"/>'),
])
def test_what_is_not_validated(config):
    parse_label_config(config)
