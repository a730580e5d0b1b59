"""label-studio import PROJECT FILE_OR_URL...: offline import, progress bar, beside a server."""
import json
import os
import subprocess
import sys

import pytest
import requests
from click.testing import CliRunner

from conftest import LiveServer, folder_snapshot
from label_studio.cli import main
from test_import_files import jpeg_bytes, tasks_on_disk
from test_import_url import FileServer


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "inputs"
    (folder / "photos").mkdir(parents=True)
    (folder / "rows.csv").write_text("image,n\nhttp://x/1.jpg,1\nhttp://x/2.jpg,2\n")
    (folder / "tasks.json").write_text(json.dumps([
        {"data": {"image": "http://x/3.jpg"}, "completions": [{"result": []}],
         "predictions": [{"result": [], "score": 0.9}]}]))
    (folder / "photos" / "a.jpg").write_bytes(jpeg_bytes("red"))
    (folder / "photos" / "b.jpg").write_bytes(jpeg_bytes("blue"))
    (folder / "photos" / ".hidden.jpg").write_bytes(b"skipped")
    return folder


def test_import_files_and_a_folder(runner, project_dir, inputs):
    result = runner.invoke(main, ["import", project_dir, str(inputs / "rows.csv"),
                                  str(inputs / "tasks.json"), str(inputs / "photos")])
    assert result.exit_code == 0, result.output
    assert result.output == (f"Imported 5 tasks into {project_dir} (ids 0..4) from 4 input(s) "
                             "(.csv: 1, .jpg: 2, .json: 1); 1 completions, 1 predictions.\n")
    stored = tasks_on_disk(project_dir)
    assert stored["0"]["data"] == {"image": "http://x/1.jpg", "n": 1}
    assert stored["2"]["predictions"] == [{"result": [], "score": 0.9}]
    assert stored["3"]["data"]["image"].endswith("-a.jpg")
    assert len(os.listdir(os.path.join(project_dir, "upload"))) == 2
    assert os.path.exists(os.path.join(project_dir, "completions", "2.json"))


def test_import_from_a_url(runner, project_dir):
    files = FileServer()
    files.add("/t.json", b'[{"image": "http://x/u.jpg"}]', "application/json")
    files.thread.start()
    try:
        result = runner.invoke(main, ["import", project_dir, f"{files.url}/t.json"])
    finally:
        files.server.shutdown()
        files.server.server_close()
    assert result.exit_code == 0, result.output
    assert tasks_on_disk(project_dir)["0"]["data"] == {"image": "http://x/u.jpg"}


def test_a_bad_task_imports_nothing(runner, project_dir, inputs):
    (inputs / "bad.json").write_text('[{"image": "ok"}, {"picture": "x"}]')
    before = folder_snapshot(project_dir)
    result = runner.invoke(main, ["import", project_dir, str(inputs / "photos"),
                                  str(inputs / "bad.json")])
    assert result.exit_code == 1
    assert 'Error at item 3 (' in result.output and '"image" key is expected' in result.output
    assert "Nothing was imported." in result.output
    assert folder_snapshot(project_dir) == before


def test_missing_inputs_and_projects_are_usage_errors(runner, project_dir, tmp_path):
    before = folder_snapshot(project_dir)
    result = runner.invoke(main, ["import", project_dir, str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "is not a file, a folder or an http(s) URL" in result.output
    result = runner.invoke(main, ["import", str(tmp_path / "no-project"), project_dir])
    assert result.exit_code == 1 and "not found" in result.output
    assert folder_snapshot(project_dir) == before


def run_in_terminal(args):
    """Runs the CLI with stdout and stderr on a pseudo-terminal; returns what it printed."""
    leader, follower = os.openpty()
    process = subprocess.Popen([sys.executable, "-m", "label_studio", *args],
                               stdout=follower, stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    process.wait(60)
    os.close(leader)
    return process.returncode, output.decode(errors="replace")


def test_a_terminal_gets_a_progress_bar_unless_quiet(project_dir, inputs):
    code, output = run_in_terminal(["import", project_dir, str(inputs / "rows.csv")])
    assert code == 0, output
    assert "Reading" in output and "Checking" in output and "Imported 2 tasks" in output
    code, output = run_in_terminal(["import", "--quiet", project_dir, str(inputs / "rows.csv")])
    assert code == 0, output
    assert "Reading" not in output and "Checking" not in output and "Imported 2 tasks" in output


def test_no_progress_bar_when_output_is_not_a_terminal(project_dir, inputs):
    done = subprocess.run([sys.executable, "-m", "label_studio", "import", project_dir,
                           str(inputs / "rows.csv")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith("Imported 2 tasks")


def test_import_beside_a_running_server(project_dir, inputs):
    server = LiveServer(project_dir).start()
    try:
        r = requests.post(f"{server.url}/api/project/import", json=[{"image": "http://x/s.jpg"}])
        assert r.json()["new_task_ids"] == [0]
        done = subprocess.run([sys.executable, "-m", "label_studio", "import", project_dir,
                               str(inputs / "rows.csv")], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert "(ids 1..2)" in done.stdout
        tasks = requests.get(f"{server.url}/api/tasks").json()
        assert [t["id"] for t in tasks] == [0, 1, 2]
        r = requests.post(f"{server.url}/api/project/import", json=[{"image": "http://x/t.jpg"}])
        assert r.json()["new_task_ids"] == [3]
    finally:
        server.stop()
