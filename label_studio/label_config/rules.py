"""Validation rules of spec label-config.md §4.2-§4.5, run in order on a parsed tree."""

from lxml import etree

from . import catalog


def elements(root) -> list:
    """All elements in document order (comments and PIs left out)."""
    return list(root.iter(tag=etree.Element))


def describe(el) -> str:
    """`<Tag name="x">` or `<Tag>`: how messages name an element."""
    name = el.get("name")
    return f'<{el.tag} name="{name}">' if name is not None else f"<{el.tag}>"


def path_of(el) -> str:
    parts = []
    while el is not None:
        parts.append(el.tag)
        el = el.getparent()
    return "/".join(reversed(parts))


def is_control(el) -> bool:
    return el.get("name") is not None and el.get("toName") is not None and el.tag not in catalog.NOT_A_CONTROL


def is_input(el) -> bool:
    return el.get("name") is not None and bool(el.get("value"))


def split_to_name(value: str) -> list[str]:
    return [part.strip() for part in value.split(",")]


def _schema_error(el, message: str) -> str:
    return f"Validation failed on {path_of(el)}: {message}"


def _missing(el, attr: str, fix: str) -> str:
    return _schema_error(el, f"'{attr}' is a required property of {describe(el)}; {fix}")


def _owner(el) -> str:
    parent = el.getparent()
    return f" inside {describe(parent)}" if parent is not None else ""


def _check_object(el) -> list[str]:
    errors = []
    if el.get("name") is None:
        errors.append(_missing(el, "name", 'add a unique name="..." to the object tag'))
    value = el.get("value")
    if value is None:
        errors.append(_missing(el, "value", 'add value="$<data key>" naming the task data to show'))
    elif value.strip() == "$":
        errors.append(_schema_error(
            el, f'{describe(el)} has value="$" with no data key; use value="$<data key>"'))
    return errors


def _check_control(el) -> list[str]:
    errors = []
    if el.get("name") is None:
        errors.append(_missing(el, "name", 'add a unique name="..." to the control tag'))
    if el.get("toName") is None:
        errors.append(_missing(
            el, "toName", 'add toName="<object name>" naming the object tag it labels'))
    return errors


def _has_descendant(el, tags) -> bool:
    return any(child.tag in tags for child in el.iterdescendants(tag=etree.Element))


def _check_children(el) -> list[str]:
    if el.tag == "Labels" and not _has_descendant(el, ("Label",)):
        return [_schema_error(
            el, f'{describe(el)} has no <Label> children; add at least one <Label value="..."/>')]
    # Choices with value="$key" takes its options from task data.
    if el.tag == "Choices" and el.get("value") is None and not _has_descendant(el, ("Choice",)):
        return [_schema_error(
            el, f'{describe(el)} has no <Choice> children; add at least one <Choice value="..."/>')]
    return []


_VALUE_CHILDREN = {"Label": "value", "Choice": "value", "Relation": "value", "Channel": "column"}


def _check_child_tag(el) -> list[str]:
    attr = _VALUE_CHILDREN[el.tag]
    if el.get(attr) is not None:
        return []
    what = "the label text" if attr == "value" else "the data column to plot"
    msg = f"'{attr}' is a required property of <{el.tag}>{_owner(el)}; add {attr}=\"...\" with {what}"
    return [_schema_error(el, msg)]


def check_schema(els) -> list[str]:
    """§4.2, with the recommended fixes: every object and control tag is checked."""
    errors = []
    for el in els:
        if el.tag in catalog.OBJECT_TAGS:
            errors += _check_object(el)
        elif el.tag in catalog.CONTROL_TAGS:
            errors += _check_control(el) + _check_children(el)
        elif el.tag in _VALUE_CHILDREN:
            errors += _check_child_tag(el)
    return errors


def check_unique_names(els) -> list[str]:
    """§4.3, names taken from elements (not from comments)."""
    names = [el.get("name") for el in els if el.get("name") is not None]
    seen, repeated = set(), []
    for name in names:
        if name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    if not repeated:
        return []
    detail = ", ".join(f'"{n}" is used {names.count(n)} times' for n in repeated)
    return [f"Label config contains non-unique names {names!r}: {detail}; every name must be unique"]


def check_to_names(els) -> list[str]:
    """§4.4: every toName part must be a name in the config."""
    names = {el.get("name") for el in els if el.get("name") is not None}
    errors = []
    for el in els:
        to_name = el.get("toName")
        if to_name is None:
            continue
        for part in split_to_name(to_name):
            if part not in names:
                errors.append(
                    f'toName="{part}" not found in names: {sorted(names)!r}; '
                    f"{describe(el)} must point at the name of an object tag"
                )
    return errors


def check_targets(els) -> list[str]:
    """§4.5: a control's targets must be object tags (name + value)."""
    by_name = {el.get("name"): el for el in els if el.get("name") is not None}
    errors = []
    for el in els:
        if not is_control(el):
            continue
        for part in split_to_name(el.get("toName")):
            target = by_name.get(part)
            if target is not None and not is_input(target):
                errors.append(
                    f"to_name={part} is specified for output tag name={el.get('name')}, "
                    f"but we can't find it among input tags: {describe(target)} is not an "
                    f'object tag (it has no value="$<data key>"), so {describe(el)} cannot label it'
                )
    return errors


CHECKS = (check_schema, check_unique_names, check_to_names, check_targets)


def validate(els) -> list[str]:
    """Run the checks in order; the first rule that fails gives all its messages."""
    for check in CHECKS:
        errors = check(els)
        if errors:
            return errors
    return []
