"""The export formats, in the order they are listed, and which label configs they fit.

A format fits a config (export.md §2, extended to YOLO and key points) when it needs
nothing, or when the controls all point at one data key and some control of the tags it
needs targets an object of the tags it needs.
"""
from dataclasses import dataclass
from typing import Callable

from .asr import write_asr_manifest
from .brush import write_brush_numpy, write_brush_png
from .coco import write_coco
from .conll import write_conll
from .controls import AUDIO, IMAGE, TEXT, control_data_keys, controls_on
from .json_formats import write_json, write_json_min
from .table import write_csv, write_tsv
from .voc import write_voc
from .yolo import write_yolo


@dataclass(frozen=True)
class ExportFormat:
    name: str
    title: str
    description: str
    write: Callable                 # write(config, tasks, ctx)
    controls: tuple = ()            # control tags, one of which must target...
    objects: tuple = ()             # ...an object tag among these

    def fits(self, config) -> bool:
        if not self.controls:
            return True
        return (len(control_data_keys(config)) == 1
                and bool(controls_on(config, self.controls, self.objects)))


FORMATS = (
    ExportFormat("JSON", "JSON", "Every task with all its completions, as stored.", write_json),
    ExportFormat("JSON_MIN", "JSON-MIN", "One flat record per task: its data and the latest "
                 "completion's values.", write_json_min),
    ExportFormat("CSV", "CSV", "The JSON-MIN records as a comma-separated table.", write_csv),
    ExportFormat("TSV", "TSV", "The JSON-MIN records as a tab-separated table.", write_tsv),
    ExportFormat("CONLL2003", "CONLL2003", "Named entities as token tags (B-/I-/O).",
                 write_conll, ("Labels",), TEXT),
    ExportFormat("COCO", "COCO", "Boxes, polygons and key points in COCO JSON, with images/.",
                 write_coco, ("RectangleLabels", "PolygonLabels", "KeyPointLabels"), IMAGE),
    ExportFormat("VOC", "Pascal VOC XML", "One XML file of boxes per image, with images/.",
                 write_voc, ("RectangleLabels",), IMAGE),
    ExportFormat("YOLO", "YOLO", "classes.txt and one label file of normalized boxes per image, "
                 "with images/.", write_yolo, ("RectangleLabels",), IMAGE),
    ExportFormat("BRUSH_TO_NUMPY", "Brush masks as NumPy", "One .npy mask per brush region.",
                 write_brush_numpy, ("BrushLabels",), IMAGE),
    ExportFormat("BRUSH_TO_PNG", "Brush masks as PNG", "One grayscale PNG mask per brush region.",
                 write_brush_png, ("BrushLabels",), IMAGE),
    ExportFormat("ASR_MANIFEST", "ASR manifest", "One JSON line per audio file with its "
                 "transcription, with audio/.", write_asr_manifest, ("TextArea",), AUDIO),
)
_BY_NAME = {f.name: f for f in FORMATS}


def find_format(name) -> ExportFormat | None:
    """The format called `name` (any letter case), or None."""
    return _BY_NAME.get(name.upper()) if isinstance(name, str) else None


def formats_for(config) -> list[ExportFormat]:
    return [f for f in FORMATS if f.fits(config)]
