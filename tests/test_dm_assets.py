"""The Data Manager setup step: offline against a fake wheel, plus one real `pip download`."""
import hashlib
import json
import os
import subprocess
import sys
import zipfile

import pytest
from click.testing import CliRunner

from label_studio import dm_assets, frontend_assets
from label_studio.cli import main
from label_studio.dm_assets import DmSetupError, bundle_ready, install

VERSION = {"message": "fake", "commit": "abc123", "branch": "master", "date": "2021-02-05"}
FAKE = {
    "label_studio/static/dm/js/main.js": b"exports.DataManager = function () {};\n",
    "label_studio/static/dm/js/main.js.LICENSE.txt": b"MIT (fake)\n",
    "label_studio/static/dm/version.json": json.dumps(VERSION).encode(),
}


def make_wheel(path, members=FAKE, extra=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in list(members.items()) + list(extra):
            archive.writestr(name, data)
    return str(path)


@pytest.fixture
def fake_sums(monkeypatch):
    sums = {dm_assets.MEMBERS[member]: (len(data), hashlib.sha256(data).hexdigest())
            for member, data in FAKE.items()}
    monkeypatch.setattr(dm_assets, "EXPECTED", sums)


@pytest.fixture
def wheel(tmp_path):
    return make_wheel(tmp_path / dm_assets.WHEEL_NAME, extra=[
        ("../evil", b"evil"), ("label_studio/static/dm/../../../evil2", b"evil"),
        ("label_studio/templates/tasks.html", b"<html>"),
    ])


def test_install_from_wheel_writes_exactly_the_three_files(tmp_path, wheel, fake_sums):
    dest = tmp_path / "static" / "dm"
    report = install(dest=str(dest), wheel=wheel)
    assert "Installed" in report
    assert sorted(os.listdir(dest)) == ["main.js", "main.js.LICENSE.txt", "version.json"]
    assert (dest / "main.js").read_bytes() == FAKE["label_studio/static/dm/js/main.js"]
    assert oct((dest / "main.js").stat().st_mode & 0o777) == "0o644"
    assert sorted(os.listdir(tmp_path)) == ["label_studio-0.9.1.post1-py3-none-any.whl",
                                            "static"]
    assert bundle_ready(str(dest))


def test_second_install_is_a_no_op_and_force_installs_again(tmp_path, wheel, fake_sums):
    dest = str(tmp_path / "dm")
    install(dest=dest, wheel=wheel)
    assert "nothing to do" in install(dest=dest, wheel="/nonexistent.whl")
    os.remove(os.path.join(dest, "version.json"))
    assert not bundle_ready(dest)
    assert "Installed" in install(dest=dest, wheel=wheel)
    assert "Installed" in install(dest=dest, wheel=wheel, force=True)


def test_wrong_sum_fails_and_leaves_nothing(tmp_path, wheel, fake_sums, monkeypatch):
    expected = dict(dm_assets.EXPECTED)
    expected["main.js"] = (expected["main.js"][0], "0" * 64)
    monkeypatch.setattr(dm_assets, "EXPECTED", expected)
    dest = tmp_path / "dm"
    with pytest.raises(DmSetupError, match="main.js"):
        install(dest=str(dest), wheel=wheel)
    assert os.listdir(dest) == []


def test_a_longer_member_is_cut_and_refused(tmp_path, fake_sums):
    members = dict(FAKE)
    members["label_studio/static/dm/js/main.js"] += b"x" * 10_000_000
    path = make_wheel(tmp_path / "big.whl", members)
    with pytest.raises(DmSetupError, match="main.js"):
        install(dest=str(tmp_path / "dm"), wheel=path)
    assert os.listdir(tmp_path / "dm") == []


def test_wheel_missing_a_member_fails(tmp_path, fake_sums):
    members = dict(FAKE)
    del members["label_studio/static/dm/version.json"]
    path = make_wheel(tmp_path / "short.whl", members)
    with pytest.raises(DmSetupError, match="version.json"):
        install(dest=str(tmp_path / "dm"), wheel=path)
    assert os.listdir(tmp_path / "dm") == []


def test_not_a_wheel_fails(tmp_path, fake_sums):
    path = tmp_path / "junk.whl"
    path.write_bytes(b"not a zip")
    with pytest.raises(DmSetupError, match="extracting"):
        install(dest=str(tmp_path / "dm"), wheel=str(path))


def test_failing_pip_names_the_offline_option(tmp_path, fake_sums):
    with pytest.raises(DmSetupError, match="--from-wheel"):
        install(dest=str(tmp_path / "dm"), pip=[sys.executable, "-c", "raise SystemExit(3)"])


def test_version_comes_from_the_installed_version_json(tmp_path, wheel, fake_sums):
    dest = str(tmp_path / "dm")
    assert dm_assets.bundle_version(dest) == dict.fromkeys(frontend_assets.VERSION_KEYS)
    install(dest=dest, wheel=wheel)
    assert dm_assets.bundle_version(dest) == VERSION


def test_version_route_reports_the_dm(client, tmp_path, wheel, fake_sums, monkeypatch):
    dest = str(tmp_path / "dm")
    install(dest=dest, wheel=wheel)
    monkeypatch.setattr(dm_assets, "DM_DIR", dest)
    assert client.get("/version").get_json()["label-studio-datamanager"] == VERSION


def test_cli_installs_both_and_reports_each(tmp_path, wheel, fake_sums, monkeypatch):
    monkeypatch.setattr(frontend_assets, "install", lambda **kwargs: "LSF stub")
    args = ["setup-frontend", "--from-wheel", wheel, "--dm-dest", str(tmp_path / "dm")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "LSF stub" in result.output and "Installed the Data Manager" in result.output
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and "nothing to do" in result.output


def test_cli_reports_a_dm_failure(tmp_path, fake_sums, monkeypatch):
    monkeypatch.setattr(frontend_assets, "install", lambda **kwargs: "LSF stub")
    bad = tmp_path / "bad.whl"
    bad.write_bytes(b"junk")
    result = CliRunner().invoke(main, ["setup-frontend", "--from-wheel", str(bad),
                                       "--dm-dest", str(tmp_path / "dm")])
    assert result.exit_code == 1
    assert "LSF stub" in result.output and "Error:" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def _pypi_reachable():
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "index", "versions", "label-studio",
             "--disable-pip-version-check"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


@pytest.mark.skipif(not _pypi_reachable(), reason="pip cannot reach the package index")
def test_real_pip_download(tmp_path):
    dest = str(tmp_path / "dm")
    assert "PyPI" in install(dest=dest)
    assert bundle_ready(dest)
    assert dm_assets.bundle_version(dest)["commit"] == "969db38541030d59509614c4366331d86a59ce64"
