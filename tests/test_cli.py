"""label-studio init / start / version / templates / validate-config."""
import json
import os
import subprocess
import sys

import pytest
import requests
from click.testing import CliRunner

from conftest import BBOX_CONFIG, LiveServer, folder_snapshot
from label_studio.cli import main


@pytest.fixture
def runner():
    return CliRunner()


def test_init_writes_a_legacy_project_folder(runner, tmp_path):
    path = str(tmp_path / "p")
    result = runner.invoke(main, ["init", path, "--template", "image_bbox", "--port", "9001",
                                  "--sampling", "uniform"])
    assert result.exit_code == 0, result.output
    assert "successfully initialized" in result.output
    assert sorted(os.listdir(path)) == ["completions", "config.json", "config.xml", "tasks.json"]
    with open(os.path.join(path, "config.json")) as f:
        config = json.load(f)
    assert config["port"] == 9001 and config["sampling"] == "uniform"
    assert config["source"]["type"] == "tasks-json"
    assert config["target"]["type"] == "completions-dir"
    with open(os.path.join(path, "tasks.json")) as f:
        assert json.load(f) == {}
    with open(os.path.join(path, "config.xml")) as f:
        assert "RectangleLabels" in f.read()


def test_init_never_touches_an_existing_project_without_force(runner, tmp_path):
    path = str(tmp_path / "p")
    assert runner.invoke(main, ["init", path]).exit_code == 0
    with open(os.path.join(path, "tasks.json"), "w") as f:
        json.dump({"0": {"id": 0, "data": {"image": "keep me"}}}, f)
    config = tmp_path / "config.xml"
    config.write_text(BBOX_CONFIG)
    before = folder_snapshot(path)
    for extra in ([], ["--template", "image_bbox"], ["-l", str(config)]):
        result = runner.invoke(main, ["init", path, *extra])
        assert result.exit_code == 1
        assert "already exists" in result.output and "--force" in result.output
        assert "Traceback" not in result.output
    assert folder_snapshot(path) == before
    result = runner.invoke(main, ["init", path, "--force", "--template", "text_classification"])
    assert result.exit_code == 0
    with open(os.path.join(path, "tasks.json")) as f:
        assert json.load(f) == {}


def test_init_with_label_config_and_json_input(runner, tmp_path):
    config = tmp_path / "config.xml"
    config.write_text(BBOX_CONFIG)
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"image": "http://x/a.jpg"},
                                 {"data": {"image": "http://x/b.jpg"},
                                  "completions": [{"result": []}]}]))
    path = str(tmp_path / "p")
    result = runner.invoke(main, ["init", path, "-l", str(config), "-i", str(tasks),
                                  "--input-format", "json"])
    assert result.exit_code == 0, result.output
    with open(os.path.join(path, "tasks.json")) as f:
        stored = json.load(f)
    assert [stored[k]["data"]["image"] for k in ("0", "1")] == ["http://x/a.jpg", "http://x/b.jpg"]
    assert os.path.exists(os.path.join(path, "completions", "1.json"))


def test_init_refuses_tasks_that_do_not_fit(runner, tmp_path):
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"text": "no image here"}]))
    path = str(tmp_path / "p")
    result = runner.invoke(main, ["init", path, "--template", "image_bbox", "-i", str(tasks)])
    assert result.exit_code == 1
    assert '"image" key is expected' in result.output
    assert not os.path.exists(path)


def test_bad_options_are_usage_errors(runner, tmp_path):
    path = str(tmp_path / "p")
    result = runner.invoke(main, ["init", path, "--template", "no_such_template"])
    assert result.exit_code == 1 and "Unknown template" in result.output
    result = runner.invoke(main, ["init", path, "-l", str(tmp_path / "missing.xml")])
    assert result.exit_code == 2
    result = runner.invoke(main, ["init", path, "--ml-backends", "not-a-url"])
    assert result.exit_code == 2 and "doesn't look like URL" in result.output
    assert not os.path.exists(path)


def test_version_and_no_arguments(runner):
    result = runner.invoke(main, ["version"])
    assert result.exit_code == 0 and "Label Studio version:" in result.output
    assert runner.invoke(main, ["--version"]).exit_code == 0
    result = runner.invoke(main, [])
    assert result.exit_code == 2 and "label-studio start my_project --init" in result.output


def test_start_on_a_missing_project_is_a_clean_error(runner, tmp_path):
    result = runner.invoke(main, ["start", str(tmp_path / "nope"), "--no-browser"])
    assert result.exit_code == 1
    assert "not found" in result.output and "Traceback" not in result.output


def test_templates_and_validate_config(runner, tmp_path):
    result = runner.invoke(main, ["templates"])
    assert result.exit_code == 0 and "image_bbox" in result.output
    good = tmp_path / "good.xml"
    good.write_text(BBOX_CONFIG)
    assert runner.invoke(main, ["validate-config", str(good)]).exit_code == 0
    bad = tmp_path / "bad.xml"
    bad.write_text('<View><Image name="i" value="$i"/><Choices name="c" toName="x">'
                   '<Choice value="a"/></Choices></View>')
    result = runner.invoke(main, ["validate-config", str(bad)])
    assert result.exit_code == 1 and "x" in result.output


def test_start_init_on_a_new_path_serves_it(tmp_path):
    path = str(tmp_path / "brand" / "new")
    server = LiveServer(path, "--init", "--template", "image_bbox").start()
    try:
        summary = requests.get(server.url + "/api/project").json()
        assert summary["task_count"] == 0
        assert summary["data_types"] == {"image": "Image"}
    finally:
        server.stop()
    # a second `start --init` starts the existing project instead of failing
    server = LiveServer(path, "--init", "--template", "image_bbox").start()
    server.stop()


def test_start_moves_to_the_next_free_port_when_the_port_is_taken(project_dir):
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = subprocess.Popen(
            [sys.executable, "-m", "label_studio", "start", project_dir, "--port", str(port),
             "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            output = ""
            while "serving" not in output:
                line = process.stdout.readline()
                assert line, output
                output += line
            assert f"Port {port} is in use" in output
            moved = int(output.rsplit(":", 1)[1].strip(" /\n"))
            assert moved > port
            deadline = time.time() + 60  # generous: CI machines can be slow under load
            while time.time() < deadline:
                try:
                    if requests.get(f"http://127.0.0.1:{moved}/api/health",
                                    timeout=5).status_code == 200:
                        break
                except requests.RequestException:
                    time.sleep(0.05)
            answer = requests.get(f"http://127.0.0.1:{moved}/api/health", timeout=5)
            assert answer.json() == {"status": "up"}
        finally:
            process.terminate()
            process.wait(30)


def test_a_request_made_while_the_project_opens_waits_for_it(project_dir, tmp_path):
    # the open is held until the test lets it go: the port must be listening meanwhile
    import socket
    import time
    gate = str(tmp_path / "open")
    code = ("import os, sys, time\n"
            "from label_studio import project\n"
            "opening = project.Project.__init__\n"
            "def held(self, *args, **kwargs):\n"
            "    while not os.path.exists(sys.argv[2]):\n"
            "        time.sleep(0.01)\n"
            "    opening(self, *args, **kwargs)\n"
            "project.Project.__init__ = held\n"
            "from label_studio.cli import main\n"
            "main(['start', sys.argv[1], '--port', sys.argv[3], '--no-browser'])\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-c", code, project_dir, gate, str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while True:
            try:
                client = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except ConnectionRefusedError:
                assert time.time() < deadline, "the port was not listening while it opened"
                assert process.poll() is None
                time.sleep(0.02)
        with client:
            client.sendall(b"GET /api/project HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            client.settimeout(0.3)
            with pytest.raises(socket.timeout):
                client.recv(1)  # not before the project is open
            open(gate, "w").close()
            client.settimeout(60)
            answer = b""
            while chunk := client.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        assert json.loads(body)["task_count"] == 0
    finally:
        process.terminate()
        process.wait(30)


@pytest.mark.parametrize("stop_signal", ["SIGINT", "SIGTERM"])
def test_ctrl_c_and_sigterm_stop_the_server_even_with_a_request_half_sent(project_dir,
                                                                        stop_signal):
    import signal
    import socket
    import subprocess

    server = LiveServer(project_dir).start()
    idle = requests.Session()
    assert idle.get(server.url + "/api/project").status_code == 200  # a kept-alive connection
    stalled = socket.create_connection(("127.0.0.1", server.port))
    stalled.sendall(b"POST /api/project/import HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{")
    try:
        server.process.send_signal(getattr(signal, stop_signal))
        try:
            code = server.process.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            pytest.fail(f"the server did not stop on {stop_signal}")
        assert code == 0
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url + "/api/health", timeout=2)
    finally:
        stalled.close()
        idle.close()
    with open(os.path.join(project_dir, "tasks.json")) as f:
        assert json.load(f) == {}


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
def test_the_command_loads_numpy_without_a_thread_per_core():
    # OpenBLAS's threads spin at import: CPU a first open needs (nothing multiplies floats)
    code = ("import os, label_studio.cli.main, numpy; "
            "print(len(os.listdir('/proc/self/task')))")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env)
    assert out.stdout.strip() == "1"
