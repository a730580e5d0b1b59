"""YOLO: classes.txt, labels/<image stem>.txt with `class cx cy w h` in 0..1, and images/.

Every RectangleLabels control on the image feeds it. Boxes are clipped to the image; a
rotated box gives its axis-aligned bounding box (which needs the image size). An image with
no box gets an empty label file.
"""
import os

from .categories import Categories
from .controls import IMAGE, controls_on, labels_of
from .geometry import Box, bounds, clamp, is_rotated, rectangle
from .image_items import image_items
from .selection import first_label

LABELS_FOLDER = "labels"


def write_yolo(config, tasks, ctx):
    controls = controls_on(config, ("RectangleLabels",), IMAGE)
    categories = Categories(labels_of(config, controls), ctx)
    ctx.out.folder(LABELS_FOLDER)
    for item in image_items(config, tasks, ctx, controls, name_all=True):
        lines = [line for line in (_line(region, item, categories, ctx) for region in item.regions)
                 if line]
        stem = os.path.splitext(item.placed.name)[0]
        ctx.out.write_bytes(f"{LABELS_FOLDER}/{stem}.txt", "".join(lines).encode("utf-8"))
    ctx.out.write_bytes("classes.txt", "".join(f"{n}\n" for n in categories.names).encode("utf-8"))


def _line(region, item, categories, ctx):
    value = region["value"]
    label = first_label(value, "rectanglelabels")
    if is_rotated(value) and item.size is None:
        ctx.warn(item.size_warning("its rotated boxes were left out of YOLO"))
        return None
    box = unit_box(value, item.size)
    if label is None or box is None:
        ctx.warn(f"{item.label}: a rectangle without a label or with bad coordinates was left out")
        return None
    if box.width <= 0 or box.height <= 0:
        ctx.warn(f"{item.label}: a {label} box outside the image was left out")
        return None
    cx, cy = (box.left + box.right) / 2, (box.top + box.bottom) / 2
    return f"{categories.id_of(label)} {cx:.6f} {cy:.6f} {box.width:.6f} {box.height:.6f}\n"


def unit_box(value, size) -> Box | None:
    """The box in fractions of the image, clipped to 0..1."""
    width, height = size if is_rotated(value) else (1.0, 1.0)
    rect = rectangle(value, width, height)
    if rect is None:
        return None
    box = bounds(rect.corners)
    return Box(clamp(box.left / width, 0, 1), clamp(box.top / height, 0, 1),
               clamp(box.right / width, 0, 1), clamp(box.bottom / height, 0, 1))
