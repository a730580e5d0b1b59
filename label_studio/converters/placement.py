"""MediaPlacer: puts each task's media file into one folder of the archive, once per task."""
import os
from typing import Any, Callable, NamedTuple

from .media import NOT_DOWNLOADED
from .naming import UniqueNames, name_from_url
from .output import archive_name
from .selection import latest_completion


class Placed(NamedTuple):
    name: str | None           # unique file name, extension kept (None: left out, not named)
    archive_path: str | None   # "<folder>/<name>" when the file went into the archive
    info: Any                  # what `inspect` read from the file (image size, audio duration)
    problem: str | None        # why the file is not in the archive


class MediaPlacer:
    """`inspect(path)` reads what the format needs from the file while it is at hand (a
    downloaded file is deleted once copied); an info with an `extension` names files that
    have none."""

    def __init__(self, ctx, folder, inspect: Callable[[str], Any] = lambda path: None,
                 name_all=False):
        self.ctx = ctx
        self.folder = folder
        self.inspect = inspect
        self.name_all = name_all   # also name files left out (their label files need names)
        self.names = UniqueNames()
        self.not_downloaded = 0
        ctx.out.folder(folder)

    def place(self, url, task_id, inspect=True) -> Placed:
        """`inspect=False`: the caller needs no info; it is read only to give an extension to
        a name that has none."""
        located = self.ctx.media.find(url)
        if located.path is None:
            self._note_missing(task_id, url, located.problem)
            name = self.names.claim(_base_name(url), task_id) if self.name_all else None
            return Placed(name, None, None, located.problem)
        base = _base_name(url)
        has_extension = bool(os.path.splitext(base)[1])
        info = None
        try:
            if inspect or not has_extension:
                info = self.inspect(located.path)
                extension = getattr(info, "extension", "")
                if extension and not has_extension:
                    base = (base or f"task-{task_id}") + extension
            name = self.names.claim(base, task_id)
            path = archive_name(self.folder, name)
        except BaseException:
            if located.temporary:
                os.unlink(located.path)
            raise
        # the archive's writer reads the file later, and deletes a download once read
        self.ctx.out.copy_file(path, located.path, remove=located.temporary)
        return Placed(name, path, info, None)

    def _note_missing(self, task_id, url, problem):
        if problem == NOT_DOWNLOADED:
            self.not_downloaded += 1
        else:
            self.ctx.warn(f"task {task_id} ({url}): file not in {self.folder}/: {problem}")

    def finish(self):
        """Warns once about remote files left out, rather than once per file."""
        if self.not_downloaded:
            self.ctx.warn(f"{self.not_downloaded} remote file(s) were not downloaded, so "
                          f"{self.folder}/ lacks them (export with download_resources=1 to "
                          "fetch them)")


def _base_name(url):
    return name_from_url(url) if isinstance(url, str) else ""


def placed_media(tasks, key, placer):
    """(task, its latest non-cancelled completion, media URL, Placed) for each task that has
    such a completion, its media at data[key] placed in the archive."""
    for task, completion, url in completed_media(tasks, key):
        yield task, completion, url, placer.place(url, task.get("id"))


def completed_media(tasks, key):
    """(task, its latest non-cancelled completion, media URL at data[key]) for each task that
    has such a completion."""
    for task in tasks:
        completion = latest_completion(task)
        if completion is None:
            continue
        data = task.get("data")
        yield task, completion, data.get(key) if isinstance(data, dict) else None
