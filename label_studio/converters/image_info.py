"""Image size and band count read from a file's header with Pillow (which reads no pixels)."""
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
                # Image.getexif, not the PNG plugin's: that one decodes the whole image to
                # look for an EXIF chunk after the pixels; the header's is enough
                orientation = Image.Image.getexif(image).get(EXIF_ORIENTATION)
            except Exception:  # a broken EXIF block must not hide the size
                orientation = None
            if orientation in SIDEWAYS:
                width, height = height, width
            return ImageInfo(width, height, band_count(image), EXTENSIONS.get(image.format, ""))
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None


def band_count(image) -> int:
    """Bands of the pixels as shown: 1 grey, 2 grey + alpha, 3 colour, 4 colour + alpha.

    A palette image stores one index band, but its pixels are the palette's RGB colours,
    plus alpha when the file marks a transparent entry.
    """
    if image.mode not in ("P", "PA"):
        return len(image.getbands())
    return 4 if image.mode == "PA" or "transparency" in image.info else 3
