"""JSON (every completion, as stored) and JSON_MIN (one flat record per task)."""
from .flat_records import flat_record
from .json_array import JsonArrayWriter
from .selection import completions_of

RESULT_NAME = "result.json"


def write_json(config, tasks, ctx):
    with ctx.out.open(RESULT_NAME) as f:
        array = JsonArrayWriter(f)
        for task in tasks:
            if completions_of(task):
                array.add(task)
        array.close()


def write_json_min(config, tasks, ctx):
    with ctx.out.open(RESULT_NAME) as f:
        array = JsonArrayWriter(f)
        for task in tasks:
            record = flat_record(task, config)
            if record is not None:
                array.add(record)
        array.close()
