"""ASR_MANIFEST: manifest.json, one JSON line per task (NeMo style), plus audio/.

A line is {"audio_filepath", "duration", "text"}: the audio copied into audio/ when it is an
uploaded or local file (or downloaded on request), else its URL; the duration in seconds read
from a WAV file, null for other formats; the transcription from the TextArea controls on the
audio: the texts for the whole file, else the per-region texts in time order.
"""
import wave

from .. import jsonio
from .controls import AUDIO, controls_on, data_key_of
from .geometry import number
from .placement import MediaPlacer, placed_media
from .selection import results_of

AUDIO_FOLDER = "audio"


def write_asr_manifest(config, tasks, ctx):
    controls = controls_on(config, ("TextArea",), AUDIO)
    key = data_key_of(config, controls, AUDIO)
    placer = MediaPlacer(ctx, AUDIO_FOLDER, inspect=wav_duration)
    # audio files go into the zip while the lines are made, so the lines wait in a spool
    with ctx.out.spool() as lines:
        for _, completion, url, placed in placed_media(tasks, key, placer):
            line = {"audio_filepath": placed.archive_path or url, "duration": placed.info,
                    "text": transcript(results_of(completion, set(controls)))}
            lines.write(jsonio.dumps(line) + b"\n")
        placer.finish()
        ctx.out.copy_spool("manifest.json", lines)


def wav_duration(path) -> float | None:
    try:
        with wave.open(path, "rb") as audio:
            return audio.getnframes() / audio.getframerate()
    except (wave.Error, EOFError, OSError, ZeroDivisionError):
        return None


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
