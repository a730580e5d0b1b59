"""Regions in percent of the image (as LSF stores them) turned into pixels.

A rectangle's x, y is its top-left corner and `rotation` (degrees, clockwise on screen)
turns it around that corner; the turn happens in pixels, where the image's aspect ratio
is real.
"""
import math
from typing import NamedTuple


class Box(NamedTuple):   # named tuples: made per region, several times cheaper than dataclasses
    """An axis-aligned box in pixels: left, top, right, bottom."""
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self):
        return self.right - self.left

    @property
    def height(self):
        return self.bottom - self.top


def number(value):
    """A finite float, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


class Rectangle(NamedTuple):
    """A possibly rotated rectangle in pixels."""
    corners: list      # clockwise from the top-left corner, (x, y) each
    width: float
    height: float

    @property
    def area(self):
        return self.width * self.height


def rectangle(value, width, height) -> Rectangle | None:
    """The rectangle region `value` in pixels of a width x height image; None if malformed."""
    x, y = number(value.get("x")), number(value.get("y"))
    w, h = number(value.get("width")), number(value.get("height"))
    if x is None or y is None or w is None or h is None:
        return None
    left, top = x * width / 100, y * height / 100
    w, h = w * width / 100, h * height / 100
    degrees = number(value.get("rotation"))
    if degrees:
        angle = math.radians(degrees)
        cos, sin = math.cos(angle), math.sin(angle)
    else:
        cos, sin = 1.0, 0.0   # what cos(0.0) and sin(0.0) are, exactly
    offsets = ((0, 0), (w, 0), (w, h), (0, h))
    corners = [(left + dx * cos - dy * sin, top + dx * sin + dy * cos) for dx, dy in offsets]
    return Rectangle(corners, w, h)


_INF = float("inf")


def _plain_number(value):
    """A finite number >= +0.0 as a float (-0.0, NaN, bools and strings: None)."""
    if (type(value) is float or type(value) is int) and 0 <= value < _INF:
        if value or math.copysign(1.0, value) > 0:
            return float(value)
    return None


def plain_box(value, width, height) -> tuple | None:
    """(left, top, right, bottom, w, h) in pixels of an unrotated box whose numbers are all
    >= +0.0, the common case, where bounds(rectangle(...).corners) comes down to left, top,
    left + w, top + h (the same floats); None for any other box: use rectangle()."""
    if value.get("rotation"):
        return None
    x, y = _plain_number(value.get("x")), _plain_number(value.get("y"))
    w, h = _plain_number(value.get("width")), _plain_number(value.get("height"))
    if x is None or y is None or w is None or h is None:
        return None
    left, top = x * width / 100, y * height / 100
    w, h = w * width / 100, h * height / 100
    return left, top, left + w, top + h, w, h


def is_rotated(value) -> bool:
    return bool(number(value.get("rotation")))


def polygon_points(value, width, height) -> list[tuple] | None:
    points = value.get("points")
    if not isinstance(points, list) or len(points) < 3:
        return None
    found = []
    for point in points:
        if not isinstance(point, (list, tuple)) or len(point) < 2:
            return None
        x, y = number(point[0]), number(point[1])
        if x is None or y is None:
            return None
        found.append((x * width / 100, y * height / 100))
    return found


def keypoint(value, width, height) -> tuple | None:
    x, y = number(value.get("x")), number(value.get("y"))
    if x is None or y is None:
        return None
    return x * width / 100, y * height / 100


def bounds(points) -> Box:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return Box(min(xs), min(ys), max(xs), max(ys))


def polygon_area(points) -> float:
    """Shoelace formula."""
    twice = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]):
        twice += x1 * y2 - x2 * y1
    return abs(twice) / 2


def round_half_up(value) -> int:
    return math.floor(value + 0.5)


def clamp(value, low, high):
    return max(low, min(high, value))


def clamped(box: Box, width, height) -> Box:
    return Box(clamp(box.left, 0, width), clamp(box.top, 0, height),
               clamp(box.right, 0, width), clamp(box.bottom, 0, height))
