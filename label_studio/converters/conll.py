"""CONLL2003: one `<token> -X- _ <tag>` line per token, a blank line after each task.

Tokens are words, numbers and single punctuation marks, located by their exact character
offsets, and also cut where a span starts or ends, so a span's edges always fall between
tokens. Spans come from every Labels control on the text; where spans overlap, the one that
starts first (the longer one on a tie) wins, so a nested span yields to the outermost one.
"""
import bisect
import functools
import re

from .controls import TEXT, controls_on, data_key_of
from .selection import first_label, latest_completion, results_of

DOCSTART = "-DOCSTART- -X- O\n"
# Marks that belong to the character before them: combining accents, variation selectors,
# emoji skin tones and tags; a zero-width joiner glues the next character on too.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u20d0-\u20ff\ufe00-\ufe0f\U0001f3fb-\U0001f3ff" \
         "\U000e0020-\U000e007f"
_WORD = rf"\w[\w{_MARKS}]*"
_TOKEN = re.compile(rf"\d+(?:[.,]\d+)+|{_WORD}(?:['’-]{_WORD})*"
                    rf"|[^\w\s](?:[{_MARKS}]|\u200d[^\s])*")


def write_conll(config, tasks, ctx):
    controls = controls_on(config, ("Labels",), TEXT)
    key = data_key_of(config, controls, TEXT)
    with ctx.out.open("result.conll") as f:
        f.write(DOCSTART.encode("utf-8"))
        for task in tasks:
            completion = latest_completion(task)
            if completion is None:
                continue
            text = _text_of(task, key)
            if text is None:
                ctx.warn(f"task {task.get('id')}: no text under data key {key!r}; skipped")
                continue
            spans = _spans(text, results_of(completion, set(controls)))
            lines = [f"{token} -X- _ {tag}\n" for token, tag in tag_tokens(text, spans)]
            f.write(("".join(lines) + "\n").encode("utf-8"))


def _text_of(task, key):
    data = task.get("data")
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return str(value)


def _spans(text, results) -> list[tuple]:
    """(start, end, label) in Python string offsets, overlaps resolved."""
    found = []
    for item in results:
        value = item["value"]
        label = first_label(value, "labels")
        offsets = python_offsets(text, value.get("start"), value.get("end"), value.get("text"))
        if label is not None and offsets is not None:
            found.append((*offsets, label))
    found.sort(key=lambda span: (span[0], -span[1]))
    kept = []
    for span in found:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def python_offsets(text, start, end, span_text=None):
    """(start, end) as Python indexes, or None when they do not fit the text.

    LSF counts in UTF-16 code units (JavaScript strings), which differ from Python's code
    points after any character outside the Basic Multilingual Plane (emoji, rare CJK).
    """
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        return None
    fits = 0 <= start < end <= len(text)
    if fits and (span_text is None or text[start:end] == span_text):
        return start, end
    position = _utf16_positions(text)
    if position is not None and start in position and end in position:
        mapped = position[start], position[end]
        if mapped[0] < mapped[1] and (span_text is None or text[slice(*mapped)] == span_text):
            return mapped
    return (start, end) if fits else None


@functools.lru_cache(maxsize=1)
def _utf16_positions(text):
    """{UTF-16 offset: Python index} when the text has characters beyond U+FFFF, else None."""
    if not any(ord(c) > 0xFFFF for c in text):
        return None
    position, units = {}, 0
    for index, char in enumerate(text):
        position[units] = index
        units += 2 if ord(char) > 0xFFFF else 1
    position[units] = len(text)
    return position


def tokens(text, cuts=()) -> list[tuple]:
    """(start, end) of each token; `cuts` are offsets where a token must be split."""
    cuts = sorted(set(cuts))
    found = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        first = bisect.bisect_right(cuts, start)
        for cut in cuts[first:bisect.bisect_left(cuts, end)]:
            found.append((start, cut))
            start = cut
        found.append((start, end))
    return found


def tag_tokens(text, spans) -> list[tuple]:
    """(token, tag) pairs with B-/I-/O tags for non-overlapping spans sorted by start."""
    cuts = [offset for start, end, _ in spans for offset in (start, end)]
    tagged = []
    span_index = 0
    previous_span = None
    for start, end in tokens(text, cuts):
        while span_index < len(spans) and spans[span_index][1] <= start:
            span_index += 1
        span = spans[span_index] if span_index < len(spans) else None
        if span is not None and span[0] <= start and end <= span[1]:
            tag = ("I-" if span is previous_span else "B-") + span[2]
            previous_span = span
        else:
            tag = "O"
        tagged.append((text[start:end], tag))
    return tagged
