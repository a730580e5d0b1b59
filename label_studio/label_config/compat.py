"""Checks of a new config against existing tasks and completions (spec §5)."""

from collections import Counter
from collections.abc import Iterable, Mapping

from . import catalog

UNDEFINED_KEY = "$undefined$"
_COMPLETED = "You've already completed some tasks, but some of them couldn't be loaded with this config: "


def _iter_labels(value):
    """Strings in a label value of any nesting depth (taxonomy paths are lists of lists)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _iter_labels(item)


def usage_keys(results) -> tuple[frozenset, frozenset]:
    """(outputs, labels) that a list of result items uses: {(from_name, to_name, type)} and
    {(from_name, label)}; the same sets are shared between callers to keep memory small.
    Result types in catalog.UNCHECKED_RESULT_TYPES and items without the three names are
    left out. (A first open runs this for every record: 200k of them.)"""
    if not isinstance(results, (list, tuple)):
        return _EMPTY
    outputs, labels = set(), set()
    for item in results:
        if not isinstance(item, dict):
            continue
        from_name, to_name, rtype = item.get("from_name"), item.get("to_name"), item.get("type")
        if not (isinstance(from_name, str) and isinstance(to_name, str) and isinstance(rtype, str)):
            continue
        rtype = rtype.lower()
        if rtype in catalog.UNCHECKED_RESULT_TYPES:
            continue
        outputs.add((from_name, to_name, rtype))
        value = item.get("value")
        if not isinstance(value, dict):
            continue
        _add_labels(labels, from_name, value.get(rtype))
        for key in catalog.EXTRA_LABEL_KEYS.get(rtype, ()):
            _add_labels(labels, from_name, value.get(key))
    found = (frozenset(outputs), frozenset(labels))
    return _SHARED.setdefault(found, found)


def _add_labels(labels, from_name, found):
    """(from_name, label) for each string in a label value of any nesting depth (taxonomy
    paths are lists of lists); a flat list of strings without a generator per item."""
    if found.__class__ is list:
        for label in found:
            if label.__class__ is str:
                labels.add((from_name, label))
            else:
                labels.update((from_name, text) for text in _iter_labels(label))
    elif found is not None:
        labels.update((from_name, text) for text in _iter_labels(found))


_EMPTY = (frozenset(), frozenset())
_SHARED: dict = {}


def usage_to_json(keys):
    if keys is None:
        return None
    outputs, labels = keys
    return [sorted(outputs), sorted(labels)]


def usage_from_json(value):
    if value is None:
        return None
    found = (frozenset(map(tuple, value[0])), frozenset(map(tuple, value[1])))
    return _SHARED.setdefault(found, found)


class OutputUsage:
    """What existing completions use: counts per (from_name, to_name, type) and per (from_name, label).

    Each add_results() call counts a key once, so the unit of the counts is the
    caller's choice: call it once per task with the results of all its
    completions concatenated to count tasks (the default wording), or once per
    completion with unit="completion". weight=-1 undoes an earlier call, so the
    usage can be kept up to date incrementally.
    """

    def __init__(self, unit: str = "task"):
        self.unit = unit
        self.outputs: Counter = Counter()
        self.labels: Counter = Counter()

    def add_results(self, results, weight: int = 1) -> None:
        self.add_keys(*usage_keys(results), weight)

    def add_keys(self, outputs, labels, weight: int = 1) -> None:
        """Counts keys made by usage_keys() once (kept per task to skip re-reading results)."""
        self._add(self.outputs, outputs, weight)
        self._add(self.labels, labels, weight)

    def add_task(self, completions: Iterable, weight: int = 1) -> None:
        """Count one task given its completions (dicts with "result") or result lists."""
        merged = []
        for completion in completions:
            results = completion.get("result") if isinstance(completion, dict) else completion
            if isinstance(results, list):
                merged.extend(results)
        self.add_results(merged, weight)

    @staticmethod
    def _add(counter: Counter, keys, weight: int) -> None:
        for key in keys:
            counter[key] += weight
            if counter[key] <= 0:
                del counter[key]

    def __bool__(self) -> bool:
        return bool(self.outputs)

    def count(self, amount: int) -> str:
        return f"{amount} {self.unit}{'' if amount == 1 else 's'}"

    def to_dict(self) -> dict:
        """A JSON-friendly form, for keeping the usage in an index file."""
        return {
            "unit": self.unit,
            "outputs": [[*key, n] for key, n in self.outputs.items()],
            "labels": [[*key, n] for key, n in self.labels.items()],
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> "OutputUsage":
        usage = cls(data.get("unit", "task"))
        for *key, n in data.get("outputs", ()):
            usage.outputs[tuple(key)] = n
        for *key, n in data.get("labels", ()):
            usage.labels[tuple(key)] = n
        return usage


def _check_keys(config, task_count: int, data_key_counts: Mapping[str, int]) -> list[str]:
    present = {k for k, n in data_key_counts.items() if n > 0}
    if task_count <= 0 or present <= {UNDEFINED_KEY}:
        return []
    in_all = sorted(k for k, n in data_key_counts.items() if n >= task_count and k != UNDEFINED_KEY)
    errors = []
    for key, tag in config.data_types.items():
        missing = task_count - data_key_counts.get(key, 0)
        if missing > 0:
            errors.append(
                "You have already imported tasks and they are incompatible with a new config. "
                f"You've specified value=${key} in <{tag}>, but {missing} of {task_count} "
                f"imported tasks have no \"{key}\" key; imported tasks contain only keys: {in_all}. "
                f'Replace "{key}" with one of them or import tasks that have it'
            )
    return errors


def _config_outputs(config) -> set:
    return {
        (name, to_name, control["type"].lower())
        for name, control in config.controls.items()
        for to_name in control["to_name"]
    }


def _known_labels(control: dict) -> set:
    known = set(control["labels"])
    known.update(a["value"] for a in control["labels_attrs"].values() if "value" in a)
    return known


def _check_outputs(config, usage: OutputUsage) -> tuple[list[str], set]:
    expected = _config_outputs(config)
    errors, reported = [], set()
    for (from_name, to_name, rtype), n in usage.outputs.items():
        if (from_name, to_name, rtype) in expected:
            continue
        reported.add(from_name)
        errors.append(
            f"{_COMPLETED}name={from_name}, toName={to_name}, type={rtype} are expected "
            f"(used in {usage.count(n)}); keep a control with these name, toName and type"
        )
    return errors, reported


def _check_labels(config, usage: OutputUsage, reported: set) -> list[str]:
    removed: dict[str, dict[str, int]] = {}
    for (from_name, label), n in usage.labels.items():
        control = config.controls.get(from_name)
        if from_name in reported or from_name in config.dynamic_controls:
            continue
        if control is None:
            reported.add(from_name)
            removed.setdefault(from_name, {})
            continue
        if label not in _known_labels(control):
            removed.setdefault(from_name, {})[label] = n
    errors = []
    for from_name, labels in removed.items():
        if not labels:
            errors.append(f"{_COMPLETED}name={from_name} is expected")
            continue
        uses = ", ".join(f'"{label}" in {usage.count(n)}' for label, n in labels.items())
        errors.append(
            f'{_COMPLETED}there are labels already created for "{from_name}":\n{list(labels)!r}\n'
            f"(used: {uses}); add them back to the control named \"{from_name}\""
        )
    return errors


def check_against_data(config, task_count: int, data_key_counts: Mapping[str, int],
                       output_usage: OutputUsage | None) -> list[str]:
    """[] when `config` fits the existing tasks and completions, else the problems (§5)."""
    errors = _check_keys(config, task_count, data_key_counts)
    if errors or not output_usage:
        return errors
    errors, reported = _check_outputs(config, output_usage)
    return errors + _check_labels(config, output_usage, reported)
