"""What is kept in memory of a completions record: its Summary (how many completions, how
many cancelled, the latest `created_at`, the largest completion id, the owner's digest of
its results), and how a record read from disk becomes one."""
from dataclasses import dataclass

from ..jsonio import loads
from ..completion_fields import is_cancelled, timestamp


@dataclass(slots=True)
class Summary:
    stamp: tuple
    count: int = 0
    cancelled: int = 0
    completed_at: int | None = None
    max_id: int = 0
    broken: str | None = None
    digest: object = None  # what the owner derives from all its results (see CompletionsDir)

    @property
    def completed(self):
        return self.count > 0


def summarize(record, file_stamp, digest=None) -> Summary:
    completions = record.get("completions") if isinstance(record, dict) else None
    if not isinstance(completions, list):
        return Summary(file_stamp, broken="record has no completions list")
    count = cancelled = max_id = 0
    completed_at = None
    results = []
    for completion in completions:
        if not isinstance(completion, dict):
            continue
        result = completion.get("result")
        if isinstance(result, list):
            results += result
        count += 1
        cancelled += is_cancelled(completion)
        created = timestamp(completion.get("created_at"))
        if created is not None and (completed_at is None or created > completed_at):
            completed_at = created
        cid = completion.get("id")
        if cid.__class__ is int and cid > max_id:  # not a bool, not a float
            max_id = cid
    return Summary(file_stamp, count, cancelled, completed_at, max_id,
                   digest=None if digest is None else digest(results))


def summarize_read(read, digest=None):
    """The Summary of a (bytes, stamp) read, or None for no read or an empty file."""
    if read is None:
        return None
    raw, file_stamp = read
    if not raw:  # a first write cut by a power loss before its fsync (project_state.py)
        return None
    try:
        return summarize(loads(raw), file_stamp, digest)
    except ValueError as exc:
        return Summary(file_stamp, broken=f"not valid JSON ({exc})")
