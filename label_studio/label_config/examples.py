"""Example tasks for a config (spec label-config.md §7) and example import files."""

import csv
import datetime
import io
import random
from urllib.parse import urlencode

import orjson

from .. import examples_data
from .model import LabelConfigError

SAMPLE_SETS = tuple(examples_data.SAMPLES)
FILE_FORMATS = {
    "json": "application/json",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "txt": "text/plain",
}
_TS_POINTS = 100
_JAVA_DATE_TOKENS = (("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S"))


def _strftime_format(time_format: str) -> str:
    """Accept strftime formats and the common yyyy-MM-dd style."""
    if "%" in time_format:
        return time_format
    for token, code in _JAVA_DATE_TOKENS:
        time_format = time_format.replace(token, code)
    return time_format


def _time_values(time_format: str | None) -> list:
    if not time_format:
        return list(range(_TS_POINTS))
    fmt = _strftime_format(time_format)
    start = datetime.datetime(2020, 1, 1)
    days = (start + datetime.timedelta(days=i) for i in range(_TS_POINTS))
    try:
        return [day.strftime(fmt) for day in days]
    except ValueError:
        return [(start + datetime.timedelta(days=i)).date().isoformat() for i in range(_TS_POINTS)]


def _paragraphs(vt) -> list:
    name_key = vt.attrs.get("nameKey") or "author"
    text_key = vt.attrs.get("textKey") or "text"
    return [{name_key: who, text_key: said} for who, said in examples_data.DIALOG]


def _is_url(vt) -> bool:
    return (vt.attrs.get("valueType") or vt.attrs.get("valuetype")) == "url"


def _time_series(vt):
    time_column = vt.attrs.get("timeColumn")
    time_format = vt.attrs.get("timeFormat")
    if _is_url(vt):
        params = {"time": time_column, "values": ",".join(vt.columns),
                  "sep": vt.attrs.get("sep"), "tf": time_format}
        return "/samples/time-series.csv?" + urlencode({k: v for k, v in params.items() if v})
    rng = random.Random(0)  # deterministic examples are easier to test and cache
    data = {time_column: _time_values(time_format)} if time_column else {}
    for column in vt.columns:
        if column != time_column:
            data[column] = [round(rng.gauss(0, 1), 6) for _ in range(_TS_POINTS)]
    return data


def _sample(vt, samples: dict):
    if vt.tag == "Paragraphs":
        return _paragraphs(vt)
    if vt.tag == "TimeSeries":
        return _time_series(vt)
    special = samples.get("$" + vt.key)
    if special is not None:
        return special
    if vt.tag == "Text" and _is_url(vt):
        return samples["TextUrl"]
    return samples.get(vt.tag, examples_data.FALLBACK)


def _embedded_data(config) -> dict:
    """Data from a `<!-- {...} -->` comment; template meta comments are ignored."""
    for comment in config.comments:
        body = comment.strip()
        if not body.startswith("{"):
            continue
        try:
            found = orjson.loads(body)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(found, dict):
            continue
        if isinstance(found.get("data"), dict):
            return found["data"]
        if "predictions" in found or "completions" in found or "title" in found:
            continue
        return found
    return {}


def example_task_data(config, sample_set: str = "editor_preview") -> dict:
    """One example task's data for `config`; the editor set also merges comment examples."""
    if sample_set not in examples_data.SAMPLES:
        raise ValueError(f"Unknown sample set {sample_set!r}; use one of {list(SAMPLE_SETS)}")
    samples = examples_data.SAMPLES[sample_set]
    data = {vt.key: _sample(vt, samples) for vt in config.value_tags}
    if sample_set == "editor_preview":
        data.update(_embedded_data(config))
    return data


def _cell(value) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _table(tasks: list, delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    keys = list(tasks[0])
    writer.writerow(keys)
    for task in tasks:
        writer.writerow([_cell(task[k]) for k in keys])
    return out.getvalue().encode()


def _check_format(config, fmt: str) -> None:
    if fmt not in FILE_FORMATS:
        raise LabelConfigError(
            f'Incorrect format ("q") in request: {fmt!r}; use one of {", ".join(FILE_FORMATS)}')
    if fmt == "txt" and len(config.data_keys) != 1:
        raise LabelConfigError(
            f"A txt example needs exactly one data key, but the label config has "
            f"{len(config.data_keys)}: {config.data_keys}; use json, csv or tsv")
    if fmt not in config.import_formats():
        raise LabelConfigError(
            f"This label config can only import {', '.join(config.import_formats())} "
            f"(it has a <List>), not {fmt}")


def example_file(config, fmt: str = "json") -> tuple[bytes, str, str]:
    """(body, content type, extension) of an example file with two tasks (upload samples)."""
    _check_format(config, fmt)
    task = example_task_data(config, "upload")
    tasks = [task, dict(task)]
    if fmt == "json":
        body = orjson.dumps(tasks)
    elif fmt == "txt":
        body = "".join(_cell(t[config.data_keys[0]]) + "\n" for t in tasks).encode()
    else:
        body = _table(tasks, "," if fmt == "csv" else "\t")
    return body, FILE_FORMATS[fmt], fmt
