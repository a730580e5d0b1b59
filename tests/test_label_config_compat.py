"""A new config against existing tasks and completions (spec label-config.md §5)."""

from label_studio.label_config import OutputUsage, check_against_data, parse_label_config

BBOX = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Airplane"/>
    <Label value="Car"/>
  </RectangleLabels>
</View>"""


def rect(label, from_name="label", to_name="image", rtype="rectanglelabels"):
    return {"from_name": from_name, "to_name": to_name, "type": rtype,
            "value": {"x": 1, "y": 2, "width": 3, "height": 4, rtype: [label]}}


def usage_of(*tasks):
    usage = OutputUsage()
    for results in tasks:
        usage.add_results(results)
    return usage


def check(config_text, task_count=0, counts=None, usage=None):
    return check_against_data(parse_label_config(config_text), task_count, counts or {}, usage)


# ---- data keys (§5.1)

def test_no_tasks_skips_the_key_check():
    assert check(BBOX.replace("$image", "$picture"), 0, {}) == []


def test_missing_key_names_the_key_and_how_many_tasks():
    errors = check(BBOX.replace("$image", "$picture"), 3, {"image": 3})
    assert len(errors) == 1
    assert "You have already imported tasks and they are incompatible with a new config" in errors[0]
    assert "value=$picture" in errors[0]
    assert "3 of 3 imported tasks" in errors[0]
    assert "['image']" in errors[0]


def test_key_missing_in_some_tasks():
    errors = check(BBOX, 5, {"image": 4, "other": 5})
    assert "1 of 5 imported tasks" in errors[0] and "['other']" in errors[0]


def test_only_undefined_key_skips_the_check():
    assert check(BBOX, 2, {"$undefined$": 2}) == []


def test_all_object_tags_are_checked():
    config = BBOX.replace("</View>", '<Header value="$title"/></View>')
    errors = check(config, 2, {"image": 2})
    assert any("value=$title" in e for e in errors)


def test_present_keys_are_compatible():
    assert check(BBOX, 2, {"image": 2, "extra": 1}) == []


# ---- completions (§5.2)

def test_no_completions_is_compatible():
    assert check(BBOX, 1, {"image": 1}, OutputUsage()) == []
    assert check(BBOX, 1, {"image": 1}, None) == []


def test_removed_control_is_refused_with_name_and_count():
    usage = usage_of([rect("Car")], [rect("Airplane")])
    other = BBOX.replace('name="label"', 'name="boxes"')
    errors = check(other, 2, {"image": 2}, usage)
    assert len(errors) == 1
    assert errors[0].startswith("You've already completed some tasks, but some of them couldn't be loaded")
    assert "name=label, toName=image, type=rectanglelabels are expected" in errors[0]
    assert "used in 2 tasks" in errors[0]


def test_changed_control_type_is_refused():
    usage = usage_of([rect("Car")])
    polygons = BBOX.replace("RectangleLabels", "PolygonLabels")
    assert "type=rectanglelabels are expected" in check(polygons, 1, {"image": 1}, usage)[0]


def test_removed_used_label_is_refused_with_label_and_count():
    usage = usage_of([rect("Car")], [rect("Car"), rect("Airplane")])
    errors = check(BBOX.replace('<Label value="Car"/>', ""), 2, {"image": 2}, usage)
    assert len(errors) == 1
    assert 'there are labels already created for "label":\n[\'Car\']' in errors[0]
    assert '"Car" in 2 tasks' in errors[0]


def test_removing_unused_label_and_adding_labels_and_controls_is_accepted():
    usage = usage_of([rect("Car")])
    changed = BBOX.replace('<Label value="Airplane"/>', '<Label value="Bus"/><Label value="Truck"/>')
    changed = changed.replace("</View>", '<Choices name="q" toName="image"><Choice value="ok"/></Choices></View>')
    assert check(changed, 1, {"image": 1}, usage) == []


def test_label_kept_as_alias_or_value_is_accepted():
    usage = usage_of([rect("Car")])
    assert check(BBOX.replace('value="Car"', 'value="Car" alias="car"'), 1, {"image": 1}, usage) == []


def test_any_to_name_target_counts():
    text = ('<View><Image name="a" value="$a"/><Image name="b" value="$b"/>'
            '<RectangleLabels name="label" toName="a,b"><Label value="Car"/></RectangleLabels></View>')
    usage = usage_of([rect("Car", to_name="b")])
    assert check(text, 1, {"a": 1, "b": 1}, usage) == []


def test_skipped_result_types_and_malformed_items():
    usage = usage_of([
        {"from_name": "rate", "to_name": "image", "type": "rating", "value": {"rating": 3}},
        {"type": "relation", "from_id": "a", "to_id": "b"},
        {"from_name": "p", "to_name": "image", "type": "pairwise", "value": {"selected": "left"}},
        {"from_name": "x", "type": "choices"},
        "not a dict",
    ])
    assert not usage
    assert check(BBOX, 1, {"image": 1}, usage) == []


def test_taxonomy_paths_are_flattened_and_non_strings_ignored():
    text = ('<View><Text name="t" value="$t"/><Taxonomy name="tax" toName="t">'
            '<Choice value="A"><Choice value="A1"/></Choice></Taxonomy></View>')
    usage = usage_of([{"from_name": "tax", "to_name": "t", "type": "taxonomy",
                       "value": {"taxonomy": [["A", "A1"], ["A", 5, None]]}}])
    assert usage.labels == {("tax", "A"): 1, ("tax", "A1"): 1}
    assert check(text, 1, {"t": 1}, usage) == []
    errors = check(text.replace('<Choice value="A1"/>', ""), 1, {"t": 1}, usage)
    assert "['A1']" in errors[0]


def test_hypertext_labels_use_htmllabels_key():
    text = ('<View><HyperText name="h" value="$h"/><HyperTextLabels name="hl" toName="h">'
            '<Label value="Title"/></HyperTextLabels></View>')
    usage = usage_of([{"from_name": "hl", "to_name": "h", "type": "hypertextlabels",
                       "value": {"start": "/p", "end": "/p", "htmllabels": ["Title"]}}])
    errors = check(text.replace("Title", "Other"), 1, {"h": 1}, usage)
    assert "['Title']" in errors[0]


def test_dynamic_choices_skip_the_label_check():
    text = '<View><Text name="t" value="$t"/><Choices name="c" toName="t" value="$options"/></View>'
    usage = usage_of([{"from_name": "c", "to_name": "t", "type": "choices", "value": {"choices": ["From data"]}}])
    assert check(text, 1, {"t": 1, "options": 1}, usage) == []


def test_counts_once_per_call_and_weight_undoes():
    usage = OutputUsage()
    usage.add_results([rect("Car"), rect("Car")])
    usage.add_results([rect("Car")], weight=1)
    assert usage.outputs[("label", "image", "rectanglelabels")] == 2
    assert usage.labels[("label", "Car")] == 2
    usage.add_results([rect("Car")], weight=-1)
    usage.add_results([rect("Car")], weight=-1)
    assert not usage and not usage.labels


def test_add_task_merges_completions_and_unit_wording():
    usage = OutputUsage()
    usage.add_task([{"result": [rect("Car")]}, {"result": [rect("Car")]}, {"no": "result"}])
    assert usage.outputs[("label", "image", "rectanglelabels")] == 1
    per_completion = OutputUsage(unit="completion")
    per_completion.add_results([rect("Car")])
    errors = check(BBOX.replace('<Label value="Car"/>', ""), 1, {"image": 1}, per_completion)
    assert '"Car" in 1 completion)' in errors[0]


def test_round_trip_through_dict():
    usage = usage_of([rect("Car")], [rect("Airplane")])
    again = OutputUsage.from_dict(usage.to_dict())
    assert again.outputs == usage.outputs and again.labels == usage.labels and again.unit == "task"


def test_data_key_problem_reported_before_completions():
    usage = usage_of([rect("Car")])
    errors = check(BBOX.replace("$image", "$picture").replace('name="label"', 'name="x"'), 1, {"image": 1}, usage)
    assert len(errors) == 1 and "value=$picture" in errors[0]
