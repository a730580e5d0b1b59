"""BRUSH_TO_NUMPY and BRUSH_TO_PNG: one mask file per brush region (export.md §4.7).

Every non-cancelled completion counts, not only the latest. A mask is the alpha channel of
the decoded RGBA image, height x width uint8, saved in the archive root as
task-<task id>-completion-<completion id>-<from_name>-<labels joined by "-">-<n>.npy/.png,
where <n> counts repeats of that name in the completion.
"""
import io
import os

import numpy as np
from PIL import Image

from .brush_rle import RLEError, decode_mask
from .controls import IMAGE, controls_on, data_key_of
from .image_info import read_image_info
from .naming import safe_name
from .selection import kept_completions, original_size, results_of

BRUSH_CONTROLS = ("BrushLabels", "Brush")


def write_brush_numpy(config, tasks, ctx):
    _write_masks(config, tasks, ctx, ".npy", _npy_bytes)


def write_brush_png(config, tasks, ctx):
    _write_masks(config, tasks, ctx, ".png", _png_bytes)


def _npy_bytes(mask):
    buffer = io.BytesIO()
    np.save(buffer, mask)
    return buffer.getvalue()


def _png_bytes(mask):
    buffer = io.BytesIO()
    Image.fromarray(mask).save(buffer, format="PNG")
    return buffer.getvalue()


def _write_masks(config, tasks, ctx, extension, encode):
    controls = controls_on(config, BRUSH_CONTROLS, IMAGE)
    key = data_key_of(config, controls, IMAGE)
    for task in tasks:
        image_size = _LazyImageSize(task, key, ctx)
        for completion in kept_completions(task):
            seen = {}
            for region in results_of(completion, set(controls)):
                base = _mask_name(task, completion, region)
                number = seen.get(base, 0)
                seen[base] = number + 1
                size = original_size({"result": [region]}) or original_size(completion) \
                    or image_size.get()
                mask = _mask(region, size, base, ctx)
                if mask is not None:
                    ctx.out.write_bytes(f"{base}-{number}{extension}", encode(mask))


def _mask_name(task, completion, region):
    labels = region["value"].get("brushlabels")
    labels = [str(label) for label in labels] if isinstance(labels, list) else []
    parts = [f"task-{task.get('id')}", f"completion-{completion.get('id')}",
             safe_name(str(region["from_name"])), safe_name("-".join(labels))]
    return "-".join(parts)


def _mask(region, size, name, ctx):
    value = region["value"]
    if value.get("format", "rle") != "rle" or not isinstance(value.get("rle"), list):
        ctx.warn(f"{name}: the brush region has no RLE mask; left out")
        return None
    if size is None:
        ctx.warn(f"{name}: image size unknown (no original_width/original_height, image file "
                 "not readable); mask left out")
        return None
    width, height = (int(v) for v in size)
    try:
        return decode_mask(value["rle"], width, height)
    except RLEError as exc:
        ctx.warn(f"{name}: {exc}; mask left out")
        return None


class _LazyImageSize:
    """The task image's size read from its file, only if some region lacks original_*."""

    def __init__(self, task, key, ctx):
        self.task, self.key, self.ctx = task, key, ctx
        self.done = False
        self.size = None

    def get(self):
        if not self.done:
            self.done = True
            data = self.task.get("data")
            located = self.ctx.media.find(data.get(self.key) if isinstance(data, dict) else None)
            if located.path:
                info = read_image_info(located.path)
                self.size = (info.width, info.height) if info else None
                if located.temporary:
                    os.unlink(located.path)
        return self.size
