"""Media files of an import: safe stored names, and staging until the tasks are stored.

A file is written to a temp folder inside the project while the import is read and checked,
and moved into upload/ only when the tasks are committed, so a refused import leaves
upload/ untouched. Stored names follow 0.9: `<first 6 hex of the md5>-<sanitized name>`.
"""
import hashlib
import os
import re
import secrets
import shutil
import time
import unicodedata

from ..storage.files import TEMP_MARK, fsync_path

UPLOAD_DIR = "upload"
UPLOAD_URL_PREFIX = "/data/upload/"
STAGING_PREFIX = f"{TEMP_MARK}upload-"
CHUNK = 1024 * 1024
MAX_STEM = 100
STALE_AFTER = 24 * 3600.0
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def safe_name(name):
    """A file name made of [A-Za-z0-9_.-] that keeps the extension; "file" when nothing is left."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, extension = os.path.splitext(base)
    stem = _clean(stem)[:MAX_STEM] or "file"
    extension = _clean(extension)
    return f"{stem}.{extension}" if extension else stem


def _clean(text):
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _UNSAFE.sub("", "_".join(ascii_text.split())).strip("._")


def upload_url(stored_name):
    return UPLOAD_URL_PREFIX + stored_name


class UploadStaging:
    """Files waiting to be moved into upload/; created lazily, removed by discard()."""

    def __init__(self, project_dir):
        self.project_dir = project_dir
        self.upload_dir = os.path.join(project_dir, UPLOAD_DIR)
        self._folder = None
        self._staged = {}            # stored name -> (temp path, md5 hex)

    def __bool__(self):
        return bool(self._staged)

    def __len__(self):
        return len(self._staged)

    def add(self, name, stream):
        """Copies the stream into staging; returns the name it will have in upload/."""
        temp_path = os.path.join(self._ensure_folder(), str(len(self._staged)))
        digest = hashlib.md5(usedforsecurity=False)
        with open(temp_path, "wb") as out:
            for chunk in iter(lambda: stream.read(CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
        md5 = digest.hexdigest()
        stored = self._free_name(md5, safe_name(name))
        if stored in self._staged:
            os.unlink(temp_path)
        else:
            self._staged[stored] = (temp_path, md5)
        return stored

    def _free_name(self, md5, clean):
        """The shortest hash prefix whose name is unused or holds this very content."""
        for width in (6, 12, 32):
            stored = f"{md5[:width]}-{clean}"
            staged = self._staged.get(stored)
            if staged is not None:
                if staged[1] == md5:
                    return stored
                continue
            existing = os.path.join(self.upload_dir, stored)
            if not os.path.exists(existing) or _md5_of(existing) == md5:
                return stored
        return stored

    def commit(self):
        """Moves the staged files into upload/ (called under the project lock)."""
        if not self._staged:
            return
        os.makedirs(self.upload_dir, exist_ok=True)
        for temp_path, _ in self._staged.values():
            fsync_path(temp_path)
        for stored, (temp_path, _) in self._staged.items():
            os.replace(temp_path, os.path.join(self.upload_dir, stored))
        fsync_path(self.upload_dir)
        self._staged = {}

    def discard(self):
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        self._staged = {}

    def _ensure_folder(self):
        if self._folder is None:
            _remove_stale_staging(self.project_dir)
            self._folder = os.path.join(self.project_dir,
                                        STAGING_PREFIX + secrets.token_hex(6))
            os.mkdir(self._folder)
        return self._folder


def _md5_of(path):
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _remove_stale_staging(project_dir):
    """Staging folders left by a crash; recent ones may belong to a running import."""
    now = time.time()
    for entry in os.scandir(project_dir):
        if entry.name.startswith(STAGING_PREFIX) and entry.is_dir(follow_symlinks=False):
            try:
                if now - entry.stat().st_mtime > STALE_AFTER:
                    shutil.rmtree(entry.path, ignore_errors=True)
            except OSError:
                pass
