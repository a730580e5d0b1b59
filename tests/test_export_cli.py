"""label-studio export PROJECT --format F [-o FILE], without a server."""
import json
import os
import subprocess
import sys
import zipfile

import pytest
from click.testing import CliRunner

from conftest import BBOX_CONFIG
from label_studio.cli import main
from test_export_helpers import NOTES_FILE, box, completion, new_project


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def project_dir(tmp_path):
    return new_project(tmp_path / "proj", BBOX_CONFIG, [
        {"data": {"image": "http://example.com/a.jpg"},
         "completions": [completion(box(10, 10, 20, 20, "Car", from_name="label",
                                        size=(100, 100)))]},
        {"data": {"image": "http://example.com/b.jpg"}}])


def test_export_to_a_named_file(runner, project_dir, tmp_path):
    target = str(tmp_path / "out" / "coco.zip")
    os.makedirs(os.path.dirname(target))
    result = runner.invoke(main, ["export", project_dir, "--format", "COCO", "-o", target])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == target
    with zipfile.ZipFile(target) as archive:
        coco = json.loads(archive.read("result.json"))
    assert coco["annotations"][0]["bbox"] == [10.0, 10.0, 20.0, 20.0]
    assert os.listdir(os.path.dirname(target)) == ["coco.zip"]
    assert not os.path.exists(os.path.join(project_dir, "export"))


def test_without_output_the_zip_is_kept_in_the_project(runner, project_dir):
    result = runner.invoke(main, ["export", project_dir, "-f", "voc"])
    assert result.exit_code == 0, result.output
    path = result.stdout.strip()
    assert os.path.dirname(path) == os.path.join(project_dir, "export")
    assert path.endswith("-VOC.zip")
    with zipfile.ZipFile(path) as archive:
        assert "Annotations/a.xml" in archive.namelist()


def test_warnings_are_summed_up_on_stderr(runner, project_dir):
    result = runner.invoke(main, ["export", project_dir, "-f", "YOLO"])
    assert result.exit_code == 0
    assert "warning: 1 remote file(s) were not downloaded" in result.stderr


def test_the_rest_of_the_warnings_are_pointed_to_in_the_zip(runner, tmp_path):
    missing = [{"data": {"image": f"/data/upload/gone-{n}.png"}, "completions": [completion(
        box(10, 10, 20, 20, "Car", from_name="label", size=(100, 100)))]} for n in range(7)]
    target = str(tmp_path / "voc.zip")
    result = runner.invoke(main, ["export", new_project(tmp_path / "proj", BBOX_CONFIG, missing),
                                  "-f", "VOC", "-o", target])
    assert result.exit_code == 0, result.output
    assert f"... 2 more in {NOTES_FILE} in the zip" in result.stderr
    with zipfile.ZipFile(target) as archive:
        assert archive.read(NOTES_FILE).count(b"uploaded file is missing") == 7


def test_an_unfit_format_fails_with_the_list(runner, project_dir):
    result = runner.invoke(main, ["export", project_dir, "-f", "CONLL2003"])
    assert result.exit_code == 1
    assert "available: ['JSON', 'JSON_MIN', 'CSV', 'TSV', 'COCO', 'VOC', 'YOLO']" in result.output


def test_list_formats(runner, project_dir):
    result = runner.invoke(main, ["export", project_dir, "--list-formats"])
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.output.splitlines()] == [
        "JSON", "JSON_MIN", "CSV", "TSV", "COCO", "VOC", "YOLO"]


def test_a_missing_project_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(main, ["export", str(tmp_path / "nothing")])
    assert result.exit_code == 1
    assert "not found" in result.output


def test_the_installed_command_prints_the_zip_path_and_no_bar_when_piped(project_dir, tmp_path):
    target = str(tmp_path / "result.zip")
    done = subprocess.run([sys.executable, "-m", "label_studio", "export", project_dir,
                           "--format", "JSON_MIN", "--output", target],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == target + "\n"
    assert "Exporting" not in done.stderr
    with zipfile.ZipFile(target) as archive:
        assert json.loads(archive.read("result.json"))[0]["id"] == 0
