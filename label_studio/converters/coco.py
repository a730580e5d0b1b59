"""COCO: result.json with images, categories, annotations and info, plus images/.

Every RectangleLabels and PolygonLabels control on the image feeds it, in float pixels:
a box gives bbox [x, y, w, h] and area w*h; a rotated box gives its axis-aligned bounding
box and its four corners as the segmentation; a polygon gives its points as the segmentation,
their bounding box and the shoelace area. Each KeyPointLabels control is a COCO keypoints
category whose keypoints are the control's labels (see keypoint_annotations).
"""
import shutil

from .categories import Categories
from .controls import IMAGE, controls_on, labels_of
from .geometry import bounds, is_rotated, keypoint, plain_box, polygon_area, polygon_points, \
    rectangle
from .image_items import image_items
from .json_array import JsonArrayWriter, indented
from .selection import first_label

SHAPE_CONTROLS = ("RectangleLabels", "PolygonLabels")
POINT_CONTROLS = ("KeyPointLabels",)
VISIBLE = 2


def write_coco(config, tasks, ctx):
    shape_controls = controls_on(config, SHAPE_CONTROLS, IMAGE)
    point_controls = controls_on(config, POINT_CONTROLS, IMAGE)
    categories = Categories(labels_of(config, shape_controls), ctx)
    keypoint_categories = {name: categories.add_keypoint_category(
        name, config.controls[name]["labels"]) for name in point_controls}
    control_types = {name: config.controls[name]["type"] for name in shape_controls + point_controls}
    items = image_items(config, tasks, ctx, shape_controls + point_controls)
    with ctx.out.spool() as images, ctx.out.spool() as annotations:
        image_array = JsonArrayWriter(images, level=1)
        annotation_array = JsonArrayWriter(annotations, level=1)
        for image_id, item in enumerate(items):
            image_array.add(_image_entry(item, image_id))
            found = _annotations(item, control_types, categories, keypoint_categories, ctx)
            for annotation in found:
                annotation_array.add(_ordered(annotation, annotation_array.count, image_id))
        image_array.close()
        annotation_array.close()
        _write_result(ctx, images, categories.entries, annotations)


def _image_entry(item, image_id):
    width, height = item.size or (None, None)
    file_name = item.placed.archive_path or (item.url if isinstance(item.url, str) else "")
    return {"width": width, "height": height, "id": image_id, "file_name": file_name}


def _annotations(item, control_types, categories, keypoint_categories, ctx):
    if not item.regions:
        return []
    if item.size is None:
        ctx.warn(item.size_warning("its regions were left out of COCO"))
        return []
    width, height = item.size
    found = []
    points_by_control = {}
    for region in item.regions:
        kind = control_types[region["from_name"]]
        if kind in POINT_CONTROLS:
            points_by_control.setdefault(region["from_name"], []).append(region)
            continue
        label_key = kind.lower()
        label = first_label(region["value"], label_key)
        shape = (_box(region["value"], width, height) if kind == "RectangleLabels"
                 else _polygon(region["value"], width, height))
        if label is None or shape is None:
            ctx.warn(f"{item.label}: a {label_key} region without a label or with bad "
                     "coordinates was left out")
            continue
        found.append({"category_id": categories.id_of(label), **shape})
    for name, regions in points_by_control.items():
        found += keypoint_annotations(regions, keypoint_categories[name],
                                      categories.entries[keypoint_categories[name]]["keypoints"],
                                      width, height, item, ctx)
    return found


def _box(value, width, height):
    plain = plain_box(value, width, height)
    if plain is not None:
        left, top, right, bottom, w, h = plain
        return {"segmentation": [], "bbox": [left, top, right - left, bottom - top], "area": w * h}
    rect = rectangle(value, width, height)
    if rect is None:
        return None
    box = bounds(rect.corners)
    segmentation = [[c for corner in rect.corners for c in corner]] if is_rotated(value) else []
    return {"segmentation": segmentation, "bbox": [box.left, box.top, box.width, box.height],
            "area": rect.area}


def _polygon(value, width, height):
    points = polygon_points(value, width, height)
    if points is None:
        return None
    box = bounds(points)
    return {"segmentation": [[c for point in points for c in point]],
            "bbox": [box.left, box.top, box.width, box.height], "area": polygon_area(points)}


def keypoint_annotations(regions, category_id, names, width, height, item, ctx):
    """One COCO keypoints instance per repeat of the control's labels in a completion.

    LSF key points are loose, one label each; the n-th point of each label is taken to
    belong to the n-th instance, so one face's eyes and nose make one annotation and a
    second face's make a second. Labels without a point are [0, 0, 0] (not labeled).
    """
    slots = {name: index for index, name in enumerate(names)}
    instances = []
    for region in regions:
        label = first_label(region["value"], "keypointlabels")
        point = keypoint(region["value"], width, height)
        if label not in slots or point is None:
            ctx.warn(f"{item.label}: a key point with a label that is not in the config or "
                     "with bad coordinates was left out")
            continue
        target = next((i for i in instances if slots[label] not in i), None)
        if target is None:
            target = {}
            instances.append(target)
        target[slots[label]] = point
    return [_keypoint_instance(points, category_id, len(names)) for points in instances]


def _keypoint_instance(points, category_id, size):
    flat = []
    for slot in range(size):
        x, y = points.get(slot, (0, 0))
        flat += [x, y, VISIBLE if slot in points else 0]
    box = bounds(list(points.values()))
    return {"category_id": category_id, "segmentation": [], "keypoints": flat,
            "num_keypoints": len(points), "bbox": [box.left, box.top, box.width, box.height],
            "area": box.width * box.height}


def _ordered(annotation, annotation_id, image_id):
    """The legacy key order, then the keypoint keys."""
    ordered = {"id": annotation_id, "image_id": image_id,
               "category_id": annotation["category_id"],
               "segmentation": annotation["segmentation"], "bbox": annotation["bbox"],
               "ignore": 0, "iscrowd": 0, "area": annotation["area"]}
    for key in ("keypoints", "num_keypoints"):
        if key in annotation:
            ordered[key] = annotation[key]
    return ordered


def _write_result(ctx, images, categories, annotations):
    info = {"year": ctx.exported_at.year, "version": "1.0", "contributor": "Label Studio"}
    with ctx.out.open("result.json") as f:
        f.write(b'{\n  "images": ')
        _append(f, images)
        f.write(b',\n  "categories": ' + indented(categories, 1).lstrip())
        f.write(b',\n  "annotations": ')
        _append(f, annotations)
        f.write(b',\n  "info": ' + indented(info, 1).lstrip() + b"\n}\n")


def _append(f, spool):
    spool.seek(0)
    shutil.copyfileobj(spool, f, 1024 * 1024)
