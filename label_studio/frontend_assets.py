"""The Label Studio Frontend (LSF) bundle: fetched from npm at setup time, never committed.

`install()` runs `npm pack label-studio@0.9.1`, copies main.js, main.css and LICENSE out of
the tarball into `label_studio/static/lsf/` and checks the sha256 sums (spec/frontend.md §1-2).
"""
import glob
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile

PACKAGE = "label-studio"
VERSION = "0.9.1"
PACKAGE_SPEC = f"{PACKAGE}@{VERSION}"
LSF_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static", "lsf")
SETUP_COMMAND = "label-studio setup-frontend"

# tarball member -> file name in the destination folder
MEMBERS = {
    "package/build/static/js/main.js": "main.js",
    "package/build/static/css/main.css": "main.css",
    "package/LICENSE": "LICENSE",
}
# file name -> (size in bytes, sha256); LICENSE is kept but not checked
EXPECTED = {
    "main.js": (2072019, "fc7389ae328935a01af7f59be85fea95652b362e3e1f3bb986d824986038db34"),
    "main.css": (1311635, "2c4d2360c9f83a0d6dc560de396219453f745c6219a3fe83f37913767cc3beff"),
}
PACKAGE_JSON = "package/package.json"
VERSION_FILE = "version.json"
# the keys of the legacy static/editor/version.json that /version reports
VERSION_KEYS = ("branch", "commit", "date", "message")
NPM_TIMEOUT = 300  # seconds
CHUNK = 1 << 20


class FrontendSetupError(Exception):
    """Fetching, extracting or verifying the bundle failed; the message says why."""


def missing_message():
    return (f"The labeling page needs the Label Studio Frontend ({PACKAGE_SPEC} from npm), "
            f"which is not installed: run `{SETUP_COMMAND}` (needs npm).")


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_ok(path, size, sha256):
    try:
        if os.path.getsize(path) != size:  # cheap check before hashing
            return False
        return _sha256(path) == sha256
    except OSError:
        return False


def bundle_ready(dir=LSF_DIR):
    """True when main.js and main.css are in `dir` with the expected sums."""
    return all(_file_ok(os.path.join(dir, name), size, sha256)
               for name, (size, sha256) in EXPECTED.items())


def bundle_version(folder=None):
    """The legacy version keys of the installed bundle, null where the bundle does not say
    (the npm package carries no git branch, date or message); all null when not installed."""
    folder = folder or LSF_DIR
    info = dict.fromkeys(VERSION_KEYS)
    if not os.path.isfile(os.path.join(folder, "main.js")):
        return info
    try:
        with open(os.path.join(folder, VERSION_FILE), "rb") as f:
            recorded = json.load(f)
    except (OSError, ValueError):
        recorded = {}
    if not isinstance(recorded, dict):
        recorded = {}
    for key in (*VERSION_KEYS, "version"):
        value = recorded.get(key)
        info[key] = value if isinstance(value, str) else None
    info["version"] = info["version"] or VERSION
    return info


def install(dest=LSF_DIR, npm="npm", tarball=None, force=False):
    """Put the verified bundle into `dest` and return a one-line report.

    `tarball` is an already-downloaded .tgz (npm is then not used). Unless `force`, nothing is
    done when the bundle is already there. Raises FrontendSetupError on any failure.
    """
    if not force and bundle_ready(dest):
        return f"The LSF {VERSION} bundle is already in {dest} (sums verified); nothing to do."
    if tarball is not None:
        _install_from_tarball(tarball, dest)
        source = tarball
    else:
        with tempfile.TemporaryDirectory(prefix="lsf-pack-") as tmp:
            _install_from_tarball(_npm_pack(npm, tmp), dest)
        source = f"npm ({PACKAGE_SPEC})"
    return (f"Installed the LSF {VERSION} bundle from {source} into {dest}: "
            f"{', '.join(MEMBERS.values())} (sha256 verified).")


def _npm_pack(npm, workdir):
    """Download the package tarball into `workdir` and return its path."""
    executable = shutil.which(npm)
    if executable is None:
        raise FrontendSetupError(
            f"npm not found ({npm!r}): install Node.js with npm, or download "
            f"{PACKAGE}-{VERSION}.tgz yourself and run `{SETUP_COMMAND} --from-tarball FILE`.")
    # cwd=workdir as well, for npm versions that do not know --pack-destination
    command = [executable, "pack", PACKAGE_SPEC, "--pack-destination", workdir,
               "--ignore-scripts"]
    try:
        result = subprocess.run(command, cwd=workdir, capture_output=True, text=True,
                                timeout=NPM_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise FrontendSetupError(
            f"`npm pack {PACKAGE_SPEC}` did not finish within {NPM_TIMEOUT} s") from None
    except OSError as exc:
        raise FrontendSetupError(f"could not run npm ({executable}): {exc}") from None
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip().splitlines()
        detail = " | ".join(output[-5:]) or "no output"
        raise FrontendSetupError(
            f"`npm pack {PACKAGE_SPEC}` failed (exit {result.returncode}): {detail}")
    found = glob.glob(os.path.join(workdir, "*.tgz"))
    if len(found) != 1:
        raise FrontendSetupError(
            f"`npm pack {PACKAGE_SPEC}` succeeded but left {len(found)} .tgz files in {workdir}")
    return found[0]


def _install_from_tarball(tarball, dest):
    """Stage the three members as temp files in `dest`, verify, then move them in place."""
    try:
        os.makedirs(dest, exist_ok=True)
    except OSError as exc:
        raise FrontendSetupError(f"cannot create {dest}: {exc}") from None
    staged = {}  # file name -> temp path
    try:
        try:
            with tarfile.open(tarball, "r:gz") as archive:
                for member_name, name in MEMBERS.items():
                    staged[name] = _extract_member(archive, member_name, dest, name, tarball)
                staged[VERSION_FILE] = _stage_version_file(archive, dest)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise FrontendSetupError(f"extracting {tarball} into {dest} failed: {exc}") from None
        commit_staged(staged, EXPECTED, dest, tarball)
    finally:
        discard_staged(staged)


def commit_staged(staged, expected, dest, source, error=FrontendSetupError):
    """Check the staged temp files ({name: path}) against `expected` ({name: (size, sha256)}),
    then move each into `dest`; a moved file leaves `staged`."""
    for name, (size, sha256) in expected.items():
        if not _file_ok(staged[name], size, sha256):
            raise error(f"{name} from {source} does not have the expected size {size} and "
                        f"sha256 {sha256}; nothing was installed")
    for name in list(staged):
        try:
            os.replace(staged[name], os.path.join(dest, name))
        except OSError as exc:
            raise error(f"cannot write {name} into {dest}: {exc}") from None
        del staged[name]


def discard_staged(staged):
    for path in staged.values():
        try:
            os.remove(path)
        except OSError:
            pass


def _stage_version_file(archive, dest):
    """version.json from the package's package.json: its version and, when npm recorded it,
    the git commit (gitHead)."""
    try:
        member = archive.extractfile(PACKAGE_JSON)
        package = json.load(member) if member is not None else {}
    except (KeyError, ValueError):
        package = {}
    if not isinstance(package, dict):
        package = {}
    record = dict.fromkeys(VERSION_KEYS)
    record["commit"] = package.get("gitHead") if isinstance(package.get("gitHead"), str) else None
    record["version"] = package.get("version") if isinstance(package.get("version"), str) \
        else VERSION
    fd, tmp_path = tempfile.mkstemp(prefix=f".{VERSION_FILE}.", suffix=".tmp", dir=dest)
    with os.fdopen(fd, "w") as out:
        json.dump(record, out, indent=2)
    os.chmod(tmp_path, 0o644)
    return tmp_path


def _extract_member(archive, member_name, dest, name, tarball):
    """Copy one regular-file member, looked up by exact name, to a temp file in `dest`."""
    try:
        member = archive.getmember(member_name)
    except KeyError:
        raise FrontendSetupError(f"{tarball} has no {member_name}") from None
    if not member.isfile():
        raise FrontendSetupError(f"{member_name} in {tarball} is not a regular file")
    with archive.extractfile(member) as src:
        return stage_stream(src, dest, name)


def stage_stream(src, dest, name, limit=None):
    """Copy the binary stream `src` (at most `limit` bytes) to a temp file in `dest`."""
    fd, tmp_path = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=dest)
    try:
        with os.fdopen(fd, "wb") as out:
            left = limit
            while left is None or left > 0:
                chunk = src.read(CHUNK if left is None else min(CHUNK, left))
                if not chunk:
                    break
                out.write(chunk)
                left = None if left is None else left - len(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp_path, 0o644)  # mkstemp makes 0600; these are public static files
    except BaseException:
        os.remove(tmp_path)
        raise
    return tmp_path
