"""The image formats' view of a task: its image placed in the archive, its size, its regions."""
from dataclasses import dataclass

from .controls import IMAGE, data_key_of
from .image_info import read_image_info
from .placement import MediaPlacer, Placed, completed_media
from .selection import original_size, results_of

IMAGES_FOLDER = "images"


@dataclass(slots=True)
class ImageItem:
    task_id: object
    url: object
    placed: Placed
    size: tuple | None   # (width, height) in pixels
    depth: int           # bands of the image file, 3 when unknown
    regions: list        # result items of the chosen controls, in result order

    @property
    def label(self):
        return f"task {self.task_id} ({self.url})"

    def size_warning(self, what):
        why = self.placed.problem or "the file is not an image Pillow can read"
        return (f"{self.label}: image size unknown (no original_width/original_height in the "
                f"completion; {why}); {what}")


def image_items(config, tasks, ctx, control_names, name_all=False, need_depth=False):
    """One ImageItem per task whose latest non-cancelled completion exists, regions or not.

    With `name_all`, images left out of the archive get a unique name too (VOC and YOLO
    name their label files after the image). The image file's header is read only when
    the completion lacks the size, or `need_depth`.
    """
    key = data_key_of(config, control_names, IMAGE)
    placer = MediaPlacer(ctx, IMAGES_FOLDER, inspect=read_image_info, name_all=name_all)
    wanted = set(control_names)
    for task, completion, url in completed_media(tasks, key):
        size = original_size(completion)
        placed = placer.place(url, task.get("id"), inspect=need_depth or size is None)
        info = placed.info
        if size is None and info is not None:
            size = info.width, info.height
        yield ImageItem(task.get("id"), url, placed, size, info.bands if info else 3,
                        results_of(completion, wanted))
    placer.finish()
