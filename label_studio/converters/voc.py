"""Pascal VOC: Annotations/<image stem>.xml per image, plus images/.

Every RectangleLabels control on the image feeds it. Box edges are rounded to the nearest
pixel and clamped to the image (an object cut that way is marked truncated); a rotated box
gives its axis-aligned bounding box. An image with no box still gets a file (no <object>).
"""
import os

from lxml import etree

from .controls import IMAGE, controls_on
from .geometry import Box, bounds, clamped, rectangle, round_half_up
from .image_items import IMAGES_FOLDER, image_items
from .selection import first_label

ANNOTATIONS_FOLDER = "Annotations"


def write_voc(config, tasks, ctx):
    controls = controls_on(config, ("RectangleLabels",), IMAGE)
    ctx.out.folder(ANNOTATIONS_FOLDER)
    for item in image_items(config, tasks, ctx, controls, name_all=True, need_depth=True):
        if item.size is None:
            ctx.warn(item.size_warning("no VOC annotation was written for it"))
            continue
        objects = [obj for obj in (_object(region, item, ctx) for region in item.regions) if obj]
        stem = os.path.splitext(item.placed.name)[0]
        ctx.out.write_bytes(f"{ANNOTATIONS_FOLDER}/{stem}.xml", annotation_xml(item, objects))


def _object(region, item, ctx):
    """(label, pixel Box, truncated) or None."""
    width, height = item.size
    label = first_label(region["value"], "rectanglelabels")
    rect = rectangle(region["value"], width, height)
    if label is None or rect is None:
        ctx.warn(f"{item.label}: a rectangle without a label or with bad coordinates was left out")
        return None
    exact = bounds(rect.corners)
    rounded = Box(*(round_half_up(v) for v in (exact.left, exact.top, exact.right, exact.bottom)))
    box = clamped(rounded, round_half_up(width), round_half_up(height))
    if box.width <= 0 or box.height <= 0:
        ctx.warn(f"{item.label}: a {label} box outside the image was left out")
        return None
    return label, box, box != rounded


def annotation_xml(item, objects) -> bytes:
    width, height = item.size
    root = etree.Element("annotation")
    _add(root, "folder", IMAGES_FOLDER)
    _add(root, "filename", item.placed.name)
    source = _add(root, "source")
    for tag, text in (("database", "MyDatabase"), ("annotation", "COCO2017"),
                      ("image", "flickr"), ("flickrid", "NULL")):
        _add(source, tag, text)
    owner = _add(root, "owner")
    _add(owner, "flickrid", "NULL")
    _add(owner, "name", "Label Studio")
    size = _add(root, "size")
    _add(size, "width", round_half_up(width))
    _add(size, "height", round_half_up(height))
    _add(size, "depth", item.depth)
    _add(root, "segmented", 0)
    for label, box, truncated in objects:
        obj = _add(root, "object")
        _add(obj, "name", label)
        _add(obj, "pose", "Unspecified")
        _add(obj, "truncated", int(truncated))
        _add(obj, "difficult", 0)
        bndbox = _add(obj, "bndbox")
        for tag, value in (("xmin", box.left), ("ymin", box.top), ("xmax", box.right),
                           ("ymax", box.bottom)):
            _add(bndbox, tag, value)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _add(parent, tag, text=None):
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = str(text)
    return element
