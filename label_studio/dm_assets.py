"""The Data Manager (DM) bundle: fetched at setup time from the `label-studio==0.9.1.post1`
wheel on PyPI (the DM is not on npm), never committed.

`install()` copies main.js, its licence file and version.json out of the wheel, by exact member
name, into `label_studio/static/dm/` and checks their sha256 sums.
"""
import glob
import os
import subprocess
import sys
import tempfile
import zipfile

from . import frontend_assets
from .frontend_assets import FrontendSetupError, commit_staged, discard_staged, stage_stream

WHEEL_SPEC = "label-studio==0.9.1.post1"
WHEEL_NAME = "label_studio-0.9.1.post1-py3-none-any.whl"
DM_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static", "dm")

# wheel member -> file name in the destination folder
MEMBERS = {
    "label_studio/static/dm/js/main.js": "main.js",
    "label_studio/static/dm/js/main.js.LICENSE.txt": "main.js.LICENSE.txt",
    "label_studio/static/dm/version.json": "version.json",
}
# file name -> (size in bytes, sha256), as shipped in the 0.9.1.post1 wheel
EXPECTED = {
    "main.js": (1270765, "737733678bb9aa008035a221ed0d173b6a94ad3095e4db45ed42009f4e0d9e80"),
    "main.js.LICENSE.txt": (3080,
                            "c898355b1aca0c338a5ae0b35b0efb2261b854a60d04789c9a7ca74612fbb41c"),
    "version.json": (181, "700d5faf2748bb310339f575c586ee3dbb29e9296ec585155188d594a778c216"),
}
SERVED = ("main.js", "main.js.LICENSE.txt")
PIP_TIMEOUT = 300  # seconds


class DmSetupError(FrontendSetupError):
    """Fetching, extracting or verifying the DM bundle failed; the message says why."""


def bundle_ready(dir=DM_DIR):
    return all(frontend_assets._file_ok(os.path.join(dir, name), size, sha256)
               for name, (size, sha256) in EXPECTED.items())


def bundle_version(folder=None):
    """branch/commit/date/message of the installed DM's version.json (all null without it)."""
    info = frontend_assets.bundle_version(folder or DM_DIR)
    return {key: info[key] for key in frontend_assets.VERSION_KEYS}


def install(dest=DM_DIR, wheel=None, force=False, pip=None):
    """Put the verified DM files into `dest` and return a one-line report.

    `wheel` is an already-downloaded wheel (pip is then not used). Unless `force`, nothing is
    done when the files are already there. Raises DmSetupError on any failure.
    """
    if not force and bundle_ready(dest):
        return f"The Data Manager bundle is already in {dest} (sums verified); nothing to do."
    if wheel is not None:
        _install_from_wheel(wheel, dest)
        source = wheel
    else:
        with tempfile.TemporaryDirectory(prefix="dm-wheel-") as tmp:
            _install_from_wheel(_pip_download(tmp, pip), dest)
        source = f"PyPI ({WHEEL_SPEC})"
    return (f"Installed the Data Manager bundle from {source} into {dest}: "
            f"{', '.join(MEMBERS.values())} (sha256 verified).")


def _pip_download(workdir, pip=None):
    command = (pip or [sys.executable, "-m", "pip"]) + [
        "download", "--no-deps", "--python-version", "3.8", "--only-binary=:all:",
        "--disable-pip-version-check", "-d", workdir, WHEEL_SPEC]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise DmSetupError(f"`pip download {WHEEL_SPEC}` did not finish within "
                           f"{PIP_TIMEOUT} s") from None
    except OSError as exc:
        raise DmSetupError(f"could not run pip: {exc}") from None
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip().splitlines()
        raise DmSetupError(
            f"`pip download {WHEEL_SPEC}` failed (exit {result.returncode}): "
            f"{' | '.join(output[-5:]) or 'no output'}; download {WHEEL_NAME} yourself and "
            f"run `label-studio setup-frontend --from-wheel FILE`")
    found = glob.glob(os.path.join(workdir, "*.whl"))
    if len(found) != 1:
        raise DmSetupError(f"`pip download` left {len(found)} wheels in {workdir}")
    return found[0]


def _install_from_wheel(wheel, dest):
    """Stage the members as temp files in `dest`, verify, then move them in place."""
    try:
        os.makedirs(dest, exist_ok=True)
    except OSError as exc:
        raise DmSetupError(f"cannot create {dest}: {exc}") from None
    staged = {}
    try:
        try:
            with zipfile.ZipFile(wheel) as archive:
                for member_name, name in MEMBERS.items():
                    staged[name] = _stage_member(archive, member_name, dest, name, wheel)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError,
                NotImplementedError, RuntimeError) as exc:
            raise DmSetupError(f"extracting {wheel} into {dest} failed: {exc}") from None
        commit_staged(staged, EXPECTED, dest, wheel, error=DmSetupError)
    finally:
        discard_staged(staged)


def _stage_member(archive, member_name, dest, name, wheel):
    try:
        info = archive.getinfo(member_name)
    except KeyError:
        raise DmSetupError(f"{wheel} has no {member_name}") from None
    if info.is_dir():
        raise DmSetupError(f"{member_name} in {wheel} is not a file")
    # never inflate more than the pinned size (+1 so a longer file fails the check)
    limit = EXPECTED[name][0] + 1 if name in EXPECTED else 1 << 20
    with archive.open(info) as src:
        return stage_stream(src, dest, name, limit=limit)
