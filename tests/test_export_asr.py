"""ASR_MANIFEST: one JSON line per transcribed audio file, the audio copied into audio/."""
import json
import os
import wave

from label_studio.project import Project
from test_export_helpers import completion, export, new_project, region

CONFIG = """<View>
  <Audio name="audio" value="$audio"/>
  <TextArea name="transcription" toName="audio"/>
</View>
"""


def write_wav(path, seconds, rate=8000):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with wave.open(path, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(b"\x00\x00" * int(seconds * rate))


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
