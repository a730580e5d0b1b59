"""ASR_MANIFEST: manifest.json, one JSON line per task (NeMo style), plus audio/.

A line is {"audio_filepath", "duration", "text"}: the audio copied into audio/ when it is an
uploaded or local file (or downloaded on request), else its URL; the duration in seconds read
from the file's header with mutagen (WAV in any encoding, MP3, FLAC, OGG, M4A...), null when
there is no file or mutagen cannot read it (with a warning); the transcription from the
TextArea controls on the audio: the texts for the whole file, else the per-region texts in
time order.
"""
import math

import mutagen

from .. import jsonio
from .controls import AUDIO, controls_on, data_key_of
from .geometry import number
from .placement import MediaPlacer, placed_media
from .selection import results_of

AUDIO_FOLDER = "audio"


def write_asr_manifest(config, tasks, ctx):
    controls = controls_on(config, ("TextArea",), AUDIO)
    key = data_key_of(config, controls, AUDIO)
    placer = MediaPlacer(ctx, AUDIO_FOLDER, inspect=audio_duration)
    # audio files go into the zip while the lines are made, so the lines wait in a spool
    with ctx.out.spool() as lines:
        for task, completion, url, placed in placed_media(tasks, key, placer):
            if placed.archive_path and placed.info is None:
                ctx.warn(f"task {task.get('id')} ({url}): {placed.archive_path} is not audio "
                         "whose length mutagen can read; its duration is null")
            line = {"audio_filepath": placed.archive_path or url, "duration": placed.info,
                    "text": transcript(results_of(completion, set(controls)))}
            lines.write(jsonio.dumps(line) + b"\n")
        placer.finish()
        ctx.out.copy_spool("manifest.json", lines)


def audio_duration(path) -> float | None:
    """Seconds of audio, from the file's header; None when that cannot be read."""
    try:
        audio = mutagen.File(path)
    except Exception:  # a damaged upload can raise anything from the parser; never a 500
        return None
    length = getattr(getattr(audio, "info", None), "length", None)
    if not isinstance(length, (int, float)) or not math.isfinite(length) or length < 0:
        return None
    return float(length)


def transcript(results) -> str:
    whole = [r["value"] for r in results if number(r["value"].get("start")) is None]
    regions = [r["value"] for r in results if number(r["value"].get("start")) is not None]
    values = whole or sorted(regions, key=lambda v: number(v["start"]))
    return " ".join(_texts(values))


def _texts(values):
    for value in values:
        text = value.get("text")
        for piece in text if isinstance(text, list) else [text]:
            if isinstance(piece, str) and piece.strip():
                yield piece.strip()
