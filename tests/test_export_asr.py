"""ASR_MANIFEST: one JSON line per transcribed audio file, the audio copied into audio/."""
import io
import json
import os
import struct
import uuid
import wave

import pytest

from label_studio.project import Project
from label_studio.server import create_app
from test_export_helpers import annotate, completion, export, new_project, region, upload

CONFIG = """<View>
  <Audio name="audio" value="$audio"/>
  <TextArea name="transcription" toName="audio"/>
</View>
"""


def write_wav(path, seconds, rate=8000):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(pcm_wav(seconds, rate))


def pcm_wav(seconds, rate=8000, channels=1, sample_bytes=2):
    """A PCM WAV of silence, written by Python's wave module."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(channels)
        audio.setsampwidth(sample_bytes)
        audio.setframerate(rate)
        silence = b"\x80" if sample_bytes == 1 else b"\x00" * sample_bytes   # 8-bit is unsigned
        audio.writeframes(silence * channels * int(seconds * rate))
    return buffer.getvalue()


def _chunk(tag, body):
    return tag + struct.pack("<I", len(body)) + body + b"\x00" * (len(body) % 2)


def _riff_wave(fmt, frames, block_align, fact=False):
    chunks = _chunk(b"fmt ", fmt)
    if fact:
        chunks += _chunk(b"fact", struct.pack("<I", frames))
    chunks += _chunk(b"data", bytes(frames * block_align))
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def float_wav(seconds, rate=44100, channels=2):
    """32-bit IEEE float WAV (format 3, as Audacity exports by default): wave cannot read it."""
    block = 4 * channels
    fmt = struct.pack("<HHIIHHH", 3, channels, rate, rate * block, block, 32, 0)
    return _riff_wave(fmt, int(seconds * rate), block, fact=True)


def extensible_wav(seconds, rate=16000):
    """24-bit mono WAVE_FORMAT_EXTENSIBLE (as libsndfile writes above 16 bits)."""
    pcm = uuid.UUID("00000001-0000-0010-8000-00aa00389b71").bytes_le
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 1, rate, rate * 3, 3, 24, 22, 24, 0x4) + pcm
    return _riff_wave(fmt, int(seconds * rate), 3)


def said(*texts, start=None):
    value = {"text": list(texts)}
    if start is not None:
        value.update(start=start, end=start + 1)
    return region("transcription", "audio", "textarea", value)


def test_manifest_lines_hold_path_duration_and_text(tmp_path):
    project_dir = str(tmp_path / "proj")
    new_project(project_dir, CONFIG)
    write_wav(os.path.join(project_dir, "upload", "hello.wav"), 1.5)
    Project(project_dir).import_tasks([
        {"data": {"audio": "/data/upload/hello.wav"}, "completions": [
            completion(said("hello world"), created_at=1),
            completion(said("hello there,", "world"), created_at=2)]},
        {"data": {"audio": "http://example.com/talk.mp3"}, "completions": [
            completion(said("later", start=5.0), said("first", start=0.5))]},
        {"data": {"audio": "/data/upload/hello.wav"}, "completions": [completion(cancelled=True)]},
    ])
    result = export(project_dir, "ASR_MANIFEST", tmp_path / "out")
    lines = [json.loads(line) for line in result.read("manifest.json").splitlines()]
    assert lines == [
        {"audio_filepath": "audio/hello.wav", "duration": 1.5, "text": "hello there, world"},
        {"audio_filepath": "http://example.com/talk.mp3", "duration": None,
         "text": "first later"},
    ]
    with wave.open(result.path("audio/hello.wav")) as copied:
        assert copied.getnframes() == 12000


CLIPS = [("one.wav", pcm_wav(1.0), 1.0), ("one-and-a-half.wav", pcm_wav(1.5, 16000), 1.5),
         ("two-and-a-quarter.wav", pcm_wav(2.25, 44100, channels=2), 2.25),
         ("three-quarters.wav", pcm_wav(0.75, 22050, sample_bytes=1), 0.75),
         ("float.wav", float_wav(1.25), 1.25), ("extensible.wav", extensible_wav(0.5), 0.5),
         ("broken.wav", b"this upload is not audio at all\n", None)]


@pytest.fixture(scope="module")
def uploaded(tmp_path_factory):
    """Audio files uploaded through the import API, each transcribed with its own name."""
    project_dir = new_project(tmp_path_factory.mktemp("asr") / "proj", CONFIG)
    client = create_app(project_dir).test_client()
    task_ids = upload(client, [(name, content) for name, content, _ in CLIPS])
    for task_id, (name, _, _) in zip(task_ids, CLIPS):
        annotate(client, task_id, said(name))
    result = export(project_dir, "ASR_MANIFEST", tmp_path_factory.mktemp("asr-out"))
    lines = [json.loads(line) for line in result.read("manifest.json").splitlines()]
    return result, {line["text"]: line for line in lines}


@pytest.mark.parametrize("name,seconds", [(n, s) for n, _, s in CLIPS if s is not None])
def test_uploaded_wav_files_get_their_duration(uploaded, name, seconds):
    result, lines = uploaded
    assert lines[name]["duration"] == pytest.approx(seconds, abs=1e-3)
    assert lines[name]["audio_filepath"] in result.names


def test_unreadable_audio_gets_null_and_a_note(uploaded):
    result, lines = uploaded
    line = lines["broken.wav"]
    assert line["duration"] is None
    assert line["audio_filepath"] in result.names   # the file itself is still handed over
    notes = [n for n in result.warnings.splitlines() if line["audio_filepath"] in n]
    assert len(notes) == 1 and "duration is null" in notes[0]
    assert result.warnings.count("duration is null") == 1
