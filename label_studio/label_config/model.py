"""LabelConfig: a validated label config and the forms derived from it (spec §6)."""

from dataclasses import dataclass, field

from lxml import etree

from . import catalog, rules, xmlsafe

EMPTY_CONFIG_TEXT = "<View></View>"


class LabelConfigError(ValueError):
    """An invalid label config; .messages is what clients get as {"label_config": [...]}."""

    def __init__(self, messages):
        if isinstance(messages, str):
            messages = [messages]
        self.messages = [str(m) for m in messages]
        super().__init__("; ".join(self.messages))


@dataclass(frozen=True)
class LabelConfig:
    text: str
    data_types: dict
    data_keys: list
    controls: dict
    label_config_line: str
    has_control_tags: bool
    label_config_full: str = ""
    # (name, tag, data key) of elements with name and value="$key", document order.
    input_tags: tuple = ()
    tag_names: frozenset = frozenset()
    comments: tuple = field(default=(), repr=False)
    # Controls that take their options from task data (Choices value="$opts").
    dynamic_controls: frozenset = frozenset()
    # Every non-root element with value="$key", for example generation (§7).
    value_tags: tuple = field(default=(), repr=False)

    def import_formats(self) -> list[str]:
        """§6.1: the file formats tasks can be imported from."""
        if "List" in self.tag_names:
            return ["json"]
        formats = ["json", "csv", "tsv"]
        if len(self.data_keys) == 1:
            formats.append("txt")
        return formats

    def value_types(self, key: str) -> tuple:
        """JSON type names data[key] may have ("string", "integer", "float", "list", "object")."""
        return catalog.data_types_for(self.data_types[key])

    def check_value(self, key: str, value) -> str | None:
        """An error message when data[key]=value has a type the config does not accept."""
        return catalog.check_data_value(self.data_types[key], key, value)

    # The name the importer looks up.
    check_data_value = check_value

    def check_task_data(self, data: dict) -> list[str]:
        """Missing keys and wrong types in one task's data (import.md §5 step 3)."""
        errors = []
        for key in self.data_keys:
            if key not in data:
                errors.append(f'"{key}" key is expected in task data')
                continue
            error = self.check_value(key, data[key])
            if error:
                errors.append(error)
        return errors

    @property
    def object_pairs(self) -> frozenset:
        """{(name, value)} of object tags; api.md §3.2 compares these across configs."""
        return frozenset((name, "$" + key) for name, _tag, key in self.input_tags)


def _data_types(els, root) -> dict:
    found = {}
    for el in els:
        value = el.get("value")
        if el is not root and value and value.startswith("$") and len(value) > 1:
            # Re-assigning keeps the first position while the last tag wins (spec §6).
            found[value[1:]] = el.tag
    return found


def _nearest_control(el):
    for ancestor in el.iterancestors(tag=etree.Element):
        if rules.is_control(ancestor):
            return ancestor
    return None


def _labels(els) -> dict:
    """{id(control element): {label: attrs}} from Label/Choice descendants."""
    found = {}
    for el in els:
        if el.tag not in ("Label", "Choice"):
            continue
        label = el.get("alias") or el.get("value")
        control = _nearest_control(el)
        if label is None or control is None:
            continue
        found.setdefault(id(control), {}).setdefault(label, dict(el.attrib))
    return found


def _controls(els) -> dict:
    inputs = {el.get("name"): el for el in els if rules.is_input(el)}
    labels = _labels(els)
    controls = {}
    for el in els:
        if not rules.is_control(el):
            continue
        to_name = rules.split_to_name(el.get("toName"))
        targets = [inputs[n] for n in to_name if n in inputs]
        attrs = labels.get(id(el), {})
        controls[el.get("name")] = {
            "type": el.tag,
            "to_name": to_name,
            "inputs": [{"type": t.tag, "value": _strip_dollar(t.get("value"))} for t in targets],
            "labels": list(attrs),
            "labels_attrs": attrs,
        }
    return controls


def _strip_dollar(value: str) -> str:
    return value[1:] if value.startswith("$") else value


def _comments(root) -> tuple:
    before = reversed(list(root.itersiblings(preceding=True)))
    nodes = [n for n in before if isinstance(n, etree._Comment)]
    nodes += list(root.iter(tag=etree.Comment))
    nodes += [n for n in root.itersiblings() if isinstance(n, etree._Comment)]
    return tuple(n.text or "" for n in nodes)


def _full_text(text: str, root, comments: tuple) -> str:
    """§6 label_config_full: comments removed (this mutates root, so it runs last)."""
    if not comments:
        return text
    etree.strip_elements(root, etree.Comment, with_tail=False)
    return etree.tostring(root, encoding="unicode", with_tail=False)


@dataclass(frozen=True)
class ValueTag:
    tag: str
    key: str
    attrs: dict
    columns: tuple  # column="..." of <Channel> children (TimeSeries)


def _value_tags(els, root) -> tuple:
    found = []
    for el in els:
        value = el.get("value")
        if el is root or not value or not value.startswith("$") or len(value) < 2:
            continue
        columns = tuple(c.get("column") for c in el.iter("Channel") if c.get("column") is not None)
        found.append(ValueTag(el.tag, value[1:], dict(el.attrib), columns))
    return tuple(found)


def _input_tags(els) -> tuple:
    found = []
    for el in els:
        value = el.get("value") or ""
        if el.get("name") is not None and value.startswith("$") and len(value) > 1:
            found.append((el.get("name"), el.tag, value[1:]))
    return tuple(found)


def _parse_root(text: str):
    try:
        return xmlsafe.parse_xml(text)
    except xmlsafe.UnsafeXMLError as exc:
        raise LabelConfigError([str(exc)]) from None
    except etree.XMLSyntaxError as exc:
        raise LabelConfigError([str(exc)]) from None


def parse_label_config(text) -> LabelConfig:
    """Parse and validate a config (§4.1-§4.5); raises LabelConfigError."""
    try:
        text = xmlsafe.normalize_text(text)
    except (TypeError, UnicodeDecodeError) as exc:
        raise LabelConfigError([f"Label config must be UTF-8 text: {exc}"]) from None
    root = _parse_root(text)
    els = rules.elements(root)
    errors = rules.validate(els)
    if errors:
        raise LabelConfigError(errors)
    data_types = _data_types(els, root)
    controls = _controls(els)
    comments = _comments(root)
    dynamic = frozenset(el.get("name") for el in els if rules.is_control(el) and el.get("value"))
    full = _full_text(text, root, comments)
    return LabelConfig(
        text=text,
        data_types=data_types,
        data_keys=list(data_types),
        controls=controls,
        label_config_line=full.replace("\n", "").replace("\r", ""),
        has_control_tags=bool(controls),
        label_config_full=full,
        input_tags=_input_tags(els),
        tag_names=frozenset(el.tag for el in els),
        comments=comments,
        dynamic_controls=dynamic,
        value_tags=_value_tags(els, root),
    )


def validate_label_config(text) -> list[str]:
    """[] when the config is valid, else its error messages."""
    try:
        parse_label_config(text)
    except LabelConfigError as exc:
        return exc.messages
    return []


def validate_config_file(path) -> list[str]:
    """Validate a config file (for `label-studio validate-config FILE`)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(xmlsafe.MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        return [f"Cannot read {path}: {exc.strerror or exc}"]
    try:
        text = xmlsafe.normalize_text(data)
    except UnicodeDecodeError as exc:
        return [f"{path} is not UTF-8 text: {exc}"]
    return validate_label_config(text)
