"""label-studio init -i PATH --input-format json|json-dir|text|text-dir|image-dir|audio-dir."""
import json
import os
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from conftest import BBOX_CONFIG, folder_snapshot
from label_studio.cli import main
from label_studio.server import create_app
from test_import_files import AUDIO_CONFIG, TEXT_CONFIG, tasks_on_disk


@pytest.fixture
def runner():
    return CliRunner()


def init(runner, tmp_path, input_path, input_format, label_config=BBOX_CONFIG, *extra):
    config = tmp_path / "config.xml"
    config.write_text(label_config)
    path = str(tmp_path / "proj")
    result = runner.invoke(main, ["init", path, "-l", str(config), "-i", str(input_path),
                                  "--input-format", input_format, *extra])
    return result, path


def test_json_dir_reads_every_json_file_recursively(runner, tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.json").write_text('[{"image": "http://x/a1.jpg"}, {"image": "http://x/a2.jpg"}]')
    (folder / "sub" / "b.json").write_text(json.dumps(
        {"data": {"image": "http://x/b.jpg"}, "completions": [{"result": []}]}))
    (folder / "notes.txt").write_text("not a task file")
    (folder / ".hidden.json").write_text("[1, 2")
    result, path = init(runner, tmp_path, folder, "json-dir")
    assert result.exit_code == 0, result.output
    stored = tasks_on_disk(path)
    assert [stored[k]["data"]["image"] for k in ("0", "1", "2")] == [
        "http://x/a1.jpg", "http://x/a2.jpg", "http://x/b.jpg"]
    assert os.path.exists(os.path.join(path, "completions", "2.json"))
    with open(os.path.join(path, "config.json")) as f:
        assert json.load(f)["drop_folder"] == {"path": str(folder), "input_format": "json-dir"}


def test_text_gives_one_task_per_non_empty_line(runner, tmp_path):
    lines = tmp_path / "lines.txt"
    lines.write_text("  first  \n\nsecond\n")
    result, path = init(runner, tmp_path, lines, "text", TEXT_CONFIG)
    assert result.exit_code == 0, result.output
    assert [t["data"] for t in tasks_on_disk(path).values()] == [{"text": "first"},
                                                                 {"text": "second"}]


def test_text_dir_reads_every_file_line_by_line(runner, tmp_path):
    folder = tmp_path / "texts"
    (folder / "deeper").mkdir(parents=True)
    (folder / "one.txt").write_text("alpha\nbeta\n")
    (folder / "deeper" / "two.md").write_text("gamma\n")
    (folder / "draft.txt~").write_text("editor backup\n")
    result, path = init(runner, tmp_path, folder, "text-dir", TEXT_CONFIG)
    assert result.exit_code == 0, result.output
    assert [t["data"]["text"] for t in tasks_on_disk(path).values()] == ["alpha", "beta", "gamma"]


def test_image_dir_tasks_point_at_served_local_files(runner, tmp_path):
    folder = tmp_path / "photos"
    (folder / "nested").mkdir(parents=True)
    (folder / "cat 1.PNG").write_bytes(b"png")
    (folder / "nested" / "dog.jpg").write_bytes(b"jpg")
    (folder / "readme.txt").write_text("skipped")
    result, path = init(runner, tmp_path, folder, "image-dir", BBOX_CONFIG,
                        "--allow-serving-local-files")
    assert result.exit_code == 0, result.output
    stored = tasks_on_disk(path)
    assert stored["0"] == {"id": 0, "task_path": str(folder / "cat 1.PNG"), "data": {
        "image": f"/data/{quote('cat 1.PNG')}?d={quote(str(folder), safe='')}"}}
    assert stored["1"]["data"]["image"].startswith("/data/dog.jpg?d=")
    client = create_app(path).test_client()
    for task in stored.values():
        assert client.get(task["data"]["image"]).data in (b"png", b"jpg")


def test_audio_dir(runner, tmp_path):
    folder = tmp_path / "sounds"
    folder.mkdir()
    for name in ("a.wav", "b.MP3", "c.flac", "d.ogg"):
        (folder / name).write_bytes(b"audio")
    result, path = init(runner, tmp_path, folder, "audio-dir", AUDIO_CONFIG)
    assert result.exit_code == 0, result.output
    assert [t["task_path"].rsplit("/", 1)[1] for t in tasks_on_disk(path).values()] == [
        "a.wav", "b.MP3", "c.flac"]


@pytest.mark.parametrize("input_format", ["text", "text-dir", "image-dir", "audio-dir"])
def test_formats_that_need_a_data_key_refuse_an_empty_config(runner, tmp_path, input_format):
    source = tmp_path / "in"
    source.mkdir()
    (source / "a.txt").write_text("x\n")
    target = source / "a.txt" if input_format == "text" else source
    result, path = init(runner, tmp_path, target, input_format, "<View></View>")
    assert result.exit_code == 1
    assert f'input format "{input_format}" which requires label config' in result.output
    assert not os.path.exists(path)


def test_a_file_where_a_folder_is_expected_and_back(runner, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "t.json").write_text("[]")
    result, _ = init(runner, tmp_path, tmp_path / "t.json", "json-dir")
    assert result.exit_code == 1 and "reads a folder" in result.output
    result, _ = init(runner, tmp_path, tmp_path / "in", "json")
    assert result.exit_code == 1 and "reads a file" in result.output


def test_a_bad_file_in_the_folder_aborts_before_writing(runner, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.json").write_text('[{"image": "a"}]')
    (folder / "bad.json").write_text('[{"picture": "b"}]')
    result, path = init(runner, tmp_path, folder, "json-dir")
    assert result.exit_code == 1
    assert "bad.json #1" in result.output and '"image" key is expected' in result.output
    assert not os.path.exists(path)


def test_force_refuses_to_empty_a_project_that_holds_the_input(runner, tmp_path):
    path = tmp_path / "proj"
    incoming = path / "incoming"
    incoming.mkdir(parents=True)
    (incoming / "a.json").write_text('[{"image": "a"}]')
    before = folder_snapshot(str(path))
    result = runner.invoke(main, ["init", str(path), "--force", "-i", str(incoming),
                                  "--input-format", "json-dir"])
    assert result.exit_code == 1 and "which --force would empty" in result.output
    assert folder_snapshot(str(path)) == before
