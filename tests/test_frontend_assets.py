"""The LSF bundle setup step: offline against a fake npm tarball, plus one real `npm pack`."""
import hashlib
import io
import os
import shutil
import tarfile

import pytest
from click.testing import CliRunner

from label_studio import dm_assets, frontend_assets
from label_studio.cli import main
from label_studio.frontend_assets import FrontendSetupError, bundle_ready, install

FAKE = {
    "package/build/static/js/main.js": b"window.LabelStudio = function () {};\n",
    "package/build/static/css/main.css": b".ls { color: red; }\n",
    "package/LICENSE": b"Apache License 2.0 (fake)\n",
}


def _add(archive, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def make_tarball(path, members=FAKE, extra=()):
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            _add(archive, name, data)
        for name, data in extra:
            _add(archive, name, data)
    return str(path)


def expected_for(members):
    result = {}
    for member, name in frontend_assets.MEMBERS.items():
        if name in frontend_assets.EXPECTED:
            data = members[member]
            result[name] = (len(data), hashlib.sha256(data).hexdigest())
    return result


@pytest.fixture
def fake_sums(monkeypatch):
    monkeypatch.setattr(frontend_assets, "EXPECTED", expected_for(FAKE))


@pytest.fixture
def no_dm(monkeypatch):
    """The CLI fetches the Data Manager too: tests/test_dm_assets.py covers that part."""
    monkeypatch.setattr(dm_assets, "install", lambda **kwargs: "DM stub")


@pytest.fixture
def tarball(tmp_path):
    return make_tarball(tmp_path / "label-studio-0.9.1.tgz", extra=[
        ("package/../evil", b"evil"),
        (str(tmp_path / "abs_evil"), b"evil"),
    ])


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_install_from_tarball_writes_exactly_the_three_files(tmp_path, tarball, fake_sums):
    dest = tmp_path / "lsf"
    report = install(dest=str(dest), tarball=tarball)
    assert "Installed" in report and "\n" not in report
    assert sorted(os.listdir(dest)) == ["LICENSE", "main.css", "main.js", "version.json"]
    for member, name in frontend_assets.MEMBERS.items():
        assert read(dest / name) == FAKE[member]
    assert not (tmp_path / "evil").exists()
    assert not (tmp_path / "abs_evil").exists()
    assert bundle_ready(str(dest))


def test_second_install_is_a_no_op(tmp_path, tarball, fake_sums):
    dest = tmp_path / "lsf"
    install(dest=str(dest), tarball=tarball)
    before = {name: os.stat(dest / name).st_mtime_ns for name in os.listdir(dest)}
    report = install(dest=str(dest), tarball=tarball)
    assert "nothing to do" in report
    assert {name: os.stat(dest / name).st_mtime_ns for name in os.listdir(dest)} == before


def test_force_installs_again(tmp_path, tarball, fake_sums):
    dest = tmp_path / "lsf"
    install(dest=str(dest), tarball=tarball)
    os.remove(dest / "LICENSE")
    assert "Installed" in install(dest=str(dest), tarball=tarball, force=True)
    assert (dest / "LICENSE").exists()


def test_wrong_sum_fails_and_leaves_nothing(tmp_path, tarball, monkeypatch):
    expected = expected_for(FAKE)
    expected["main.css"] = (expected["main.css"][0], "0" * 64)
    monkeypatch.setattr(frontend_assets, "EXPECTED", expected)
    dest = tmp_path / "lsf"
    with pytest.raises(FrontendSetupError, match="main.css"):
        install(dest=str(dest), tarball=tarball)
    assert os.listdir(dest) == []  # no main.js/main.css, no temp files


def test_tarball_missing_a_member_fails(tmp_path, fake_sums):
    members = {k: v for k, v in FAKE.items() if not k.endswith("main.css")}
    path = make_tarball(tmp_path / "partial.tgz", members)
    dest = tmp_path / "lsf"
    with pytest.raises(FrontendSetupError, match="package/build/static/css/main.css"):
        install(dest=str(dest), tarball=path)
    assert os.listdir(dest) == []


def test_not_a_tarball_fails(tmp_path, fake_sums):
    path = tmp_path / "junk.tgz"
    path.write_bytes(b"not a tarball")
    with pytest.raises(FrontendSetupError, match="junk.tgz"):
        install(dest=str(tmp_path / "lsf"), tarball=str(path))


def test_bundle_ready(tmp_path, tarball, fake_sums):
    dest = tmp_path / "lsf"
    assert not bundle_ready(str(dest))  # folder missing
    install(dest=str(dest), tarball=tarball)
    assert bundle_ready(str(dest))
    (dest / "main.js").write_bytes(b"x" * len(FAKE["package/build/static/js/main.js"]))
    assert not bundle_ready(str(dest))  # same size, wrong sum
    (dest / "main.js").write_bytes(b"short")
    assert not bundle_ready(str(dest))  # wrong size
    os.remove(dest / "main.js")
    assert not bundle_ready(str(dest))


def test_missing_message_names_the_command():
    assert "label-studio setup-frontend" in frontend_assets.missing_message()


def test_missing_npm_fails_with_a_message(tmp_path):
    with pytest.raises(FrontendSetupError, match="npm"):
        install(dest=str(tmp_path / "lsf"), npm="/nonexistent/npm")


def test_cli_command(tmp_path, tarball, fake_sums, no_dm):
    dest = str(tmp_path / "lsf")
    runner = CliRunner()
    args = ["setup-frontend", "--from-tarball", tarball, "--dest", dest]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Installed" in result.output
    assert bundle_ready(dest)
    result = runner.invoke(main, args)
    assert result.exit_code == 0 and "nothing to do" in result.output
    result = runner.invoke(main, args + ["--force"])
    assert result.exit_code == 0 and "Installed" in result.output


def test_cli_command_reports_errors(tmp_path, monkeypatch, no_dm):
    monkeypatch.setattr(frontend_assets, "EXPECTED", {"main.js": (1, "0" * 64)})
    path = make_tarball(tmp_path / "bad.tgz")
    result = CliRunner().invoke(
        main, ["setup-frontend", "--from-tarball", path, "--dest", str(tmp_path / "lsf")])
    assert result.exit_code == 1
    assert "Error:" in result.output and "main.js" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm and the npm registry")
def test_real_npm_pack(tmp_path):
    dest = tmp_path / "lsf"
    report = install(dest=str(dest))
    assert "npm" in report
    assert sorted(os.listdir(dest)) == ["LICENSE", "main.css", "main.js", "version.json"]
    # the sums from spec/frontend.md §1, spelled out so a typo in the module is caught
    assert hashlib.sha256(read(dest / "main.js")).hexdigest() == (
        "fc7389ae328935a01af7f59be85fea95652b362e3e1f3bb986d824986038db34")
    assert hashlib.sha256(read(dest / "main.css")).hexdigest() == (
        "2c4d2360c9f83a0d6dc560de396219453f745c6219a3fe83f37913767cc3beff")
    assert b"Apache License" in read(dest / "LICENSE")


def test_version_keys_come_from_the_installed_bundle(tmp_path, fake_sums, monkeypatch):
    dest = tmp_path / "lsf"
    package = b'{"name": "label-studio", "version": "0.9.1", "gitHead": "abc123"}'
    install(str(dest), tarball=make_tarball(tmp_path / "with-package.tgz", extra=[
        ("package/package.json", package)]))
    assert frontend_assets.bundle_version(str(dest)) == {
        "branch": None, "commit": "abc123", "date": None, "message": None, "version": "0.9.1"}
    monkeypatch.setattr(frontend_assets, "LSF_DIR", str(dest))
    from label_studio.server import create_app
    from conftest import make_project
    client = create_app(make_project(str(tmp_path / "proj"))).test_client()
    assert client.get("/version").get_json()["label-studio-frontend"]["commit"] == "abc123"


def test_version_keys_are_null_without_the_bundle(tmp_path):
    assert frontend_assets.bundle_version(str(tmp_path / "none")) == {
        "branch": None, "commit": None, "date": None, "message": None}


def test_a_bundle_installed_without_a_version_file_reports_its_version(tmp_path, fake_sums):
    dest = tmp_path / "lsf"
    install(str(dest), tarball=make_tarball(tmp_path / "plain.tgz"))
    (dest / "version.json").unlink()
    assert frontend_assets.bundle_version(str(dest))["version"] == frontend_assets.VERSION
