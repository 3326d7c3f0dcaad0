"""Images people upload, made safe to serve: checked before they are decoded, then encoded again from their pixels.

Nothing of the file but its pixels is kept: EXIF (the camera, the time, the GPS position), comments, text chunks and
XMP are left behind. The EXIF orientation is applied first, so the picture stands as the camera held it, and
colours described by an embedded profile are converted to sRGB before the profile goes. A file that declares more
pixels than the limits is refused from its header, before a pixel is decoded: a PNG of 140 kB can declare
12 000 × 12 000 pixels, half a gigabyte once decoded. What is stored is at most SERVED_SIDE pixels on its longest
side, in the format it came in (JPEG, PNG or WebP).
"""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

# The formats taken, as Pillow names them: the suffix each is stored with and the type it is served as.
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
# The stored suffix → the type the browser is told.
CONTENT_TYPES = dict(FORMATS.values())
# The longest side of a stored image: a page shows one at most about 1 000 px wide, twice that on sharp screens.
SERVED_SIDE = 2048
QUALITY = 85  # JPEG and WebP
# Decoding errors Pillow raises for a damaged or lying file.
_BROKEN = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


class ImageRefused(ValueError):
    """Why an image is not taken: code is "unreadable", "format" or "pixels"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    suffix: str
    content_type: str
    size: tuple[int, int]


def reencode(file, *, max_pixels: int, max_side: int) -> CleanImage:
    """Return the image in the file encoded again from its pixels alone, or raise ImageRefused.

    max_pixels and max_side bound what the file may declare (width × height, and its longest side); larger ones
    are refused before they are decoded.
    """
    file.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 megapixels and refuses from twice that; the limits here come first.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(file)
    except Image.DecompressionBombError:
        raise ImageRefused("pixels") from None
    except _BROKEN:
        raise ImageRefused("unreadable") from None
    if image.format not in FORMATS:
        raise ImageRefused("format")
    width, height = image.size
    if width * height > max_pixels or max(width, height) > max_side:
        raise ImageRefused("pixels")
    suffix, content_type = FORMATS[image.format]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            clean = _pixels(image)
            out = io.BytesIO()
            _save(clean, image.format, out)
    except _BROKEN:
        raise ImageRefused("unreadable") from None
    return CleanImage(out.getvalue(), suffix, content_type, clean.size)


def _pixels(image: Image.Image) -> Image.Image:
    """The image upright, in sRGB, at most SERVED_SIDE on its longest side, as L, RGB or RGBA, with no metadata."""
    if image.format == "JPEG":
        image.draft(None, (SERVED_SIDE, SERVED_SIDE))  # decode a large JPEG at 1/2, 1/4 or 1/8 of its size
    profile = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)  # decodes; a copy when there is nothing to turn
    has_alpha = upright.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in upright.info
    if upright.mode not in ("L", "RGB", "RGBA"):
        upright = upright.convert("RGBA" if has_alpha else "RGB")
    if profile:
        upright = _in_srgb(upright, profile)
    upright.thumbnail((SERVED_SIDE, SERVED_SIDE), Image.Resampling.LANCZOS)
    upright.info = {}  # EXIF, comments, text chunks, XMP, the profile: none of it is written again
    return upright


def _in_srgb(image: Image.Image, profile: bytes) -> Image.Image:
    """The image's colours converted from its embedded profile to sRGB; as it is when the profile cannot be used."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image


def _save(image: Image.Image, fmt: str, out) -> None:
    if fmt == "JPEG":
        image.convert("RGB" if image.mode == "RGBA" else image.mode).save(out, "JPEG", quality=QUALITY, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG")
    else:
        image.save(out, "WEBP", quality=QUALITY)
