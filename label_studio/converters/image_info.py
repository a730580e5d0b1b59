"""Image size and band count read from a file's header with Pillow."""
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

EXIF_ORIENTATION = 0x0112
# Orientations that turn the image by 90 degrees: browsers show it with width and height
# swapped, and the labeler's percent coordinates refer to what the browser showed.
SIDEWAYS = {5, 6, 7, 8}
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "BMP": ".bmp", "TIFF": ".tif",
              "WEBP": ".webp"}


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    bands: int
    extension: str


def read_image_info(path) -> ImageInfo | None:
    """None when the file is not an image Pillow can read."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            try:
                orientation = image.getexif().get(EXIF_ORIENTATION)
            except Exception:  # a broken EXIF block must not hide the size
                orientation = None
            if orientation in SIDEWAYS:
                width, height = height, width
            return ImageInfo(width, height, len(image.getbands()),
                             EXTENSIONS.get(image.format, ""))
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
