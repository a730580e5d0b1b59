"""CSV and TSV: the JSON_MIN records as a table, one column per key (export.md §4.3).

Columns are the union of the records' keys in first-appearance order, which is known only
after the last record; so records are spooled to a scratch file first and the table is
written in a second pass. Values that are not strings are JSON-encoded; missing ones are
empty cells.
"""
import csv
import io
import json

from .. import jsonio
from .flat_records import flat_record


def write_csv(config, tasks, ctx):
    _write_table(config, tasks, ctx, "result.csv", ",")


def write_tsv(config, tasks, ctx):
    _write_table(config, tasks, ctx, "result.tsv", "\t")


def _write_table(config, tasks, ctx, name, delimiter):
    columns = {}
    with ctx.out.spool() as spool:
        for task in tasks:
            record = flat_record(task, config)
            if record is None:
                continue
            for key in record:
                columns.setdefault(key, None)
            spool.write(jsonio.dumps(record) + b"\n")
        spool.seek(0)
        with ctx.out.open(name) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(text, delimiter=delimiter, lineterminator="\n")
            if columns:
                writer.writerow(list(columns))
            for line in spool:
                record = jsonio.loads(line)
                writer.writerow([_cell(record[c]) if c in record else "" for c in columns])
            text.flush()
            text.detach()


def _cell(value):
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
