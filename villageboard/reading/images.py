"""Photos made fit for the board with Pillow.

A camera file is never published as it is: it may carry the GPS position of a
villager's house, the phone's make and the time of day, it is often stored sideways
with an EXIF orientation flag, and it weighs megabytes on a 2G network. So every photo
is turned upright, stripped of all metadata and re-encoded as a few smaller JPEG and
WebP variants for ``srcset``.
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import PIL  # its version only: the image code is loaded on the first picture decoded (below)

from villageboard.cache import NONE, Cache

if TYPE_CHECKING:
    from PIL import Image

PHOTO_TYPES = {".jpg", ".jpeg", ".png", ".webp"}
WIDTHS = (320, 640, 1080)  # phones at 1x/2x, and the kiosk
JPEG_QUALITY = 80
WEBP_QUALITY = 75
MAX_PIXELS = 60_000_000  # larger than any camera; guards against decompression bombs

# Decoding a camera photo and encoding its variants takes a good part of a second: each result is
# kept in the build cache under the hash of the file's bytes, so a photo is worked on once, not
# on every build. A failure is never kept: the clerk sees it again until the file is replaced.
_SALT = f"pillow {PIL.__version__} " + hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
_cache: Cache = NONE


def use_cache(cache: Cache) -> None:
    global _cache
    _cache = cache
    _fingerprints.clear()


def fingerprint(source: Path) -> str:
    """The hash of the file's bytes. A village keeps hundreds of camera photos of megabytes each:
    the hash is kept in the build cache by the file's size, time and inode (as the no-change stamp
    trusts them for pictures), so a photo is read again only when it was replaced or touched."""
    st = source.stat()
    seen = f"{source}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}"
    if seen not in _fingerprints:
        _fingerprints[seen] = _cache.text("file-hash", seen, lambda: hashlib.sha256(source.read_bytes()).hexdigest())
    return _fingerprints[seen]


_fingerprints: dict[str, str] = {}  # asked several times a build for each photo


def cached(kind: str, source: Path, detail: str, make: Callable[[], bytes]) -> bytes:
    """``make()`` for this file's bytes (and ``detail``), from the build cache when it was made before."""
    return _cache.data(kind, f"{fingerprint(source)}\0{detail}", make, salt=_SALT)


def probe(source: Path) -> tuple[str, int, int]:
    """The format Pillow finds in ``source`` and the size of its upright pixels (``PhotoError`` if none)."""
    def make() -> bytes:
        found, pixels = read_pixels(source)
        return f"{found} {pixels.width} {pixels.height}".encode()
    found, width, height = cached("picture-probe", source, "", make).decode().split()
    return found, int(width), int(height)


class PhotoError(Exception):
    """The file is not an image Pillow can read; the message is for the clerk."""


@dataclass
class Variant:
    width: int
    height: int
    path: str  # site path
    format: str  # "jpeg" or "webp"


@dataclass
class Photo:
    """A processed photo: upright, without metadata, in several sizes."""

    base: str  # site path without the "-<width>.<ext>" ending
    width: int  # of the upright original
    height: int
    alt: str
    _source: Path | None = field(default=None, repr=False)
    variants: list[Variant] = field(default_factory=list)

    def of(self, fmt: str) -> list[Variant]:
        return [v for v in self.variants if v.format == fmt]

    def srcset(self, fmt: str) -> str:
        return ", ".join(f"{v.path} {v.width}w" for v in self.of(fmt))

    @property
    def fallback(self) -> Variant:
        """The variant an old browser without srcset gets: the middle size."""
        jpegs = self.of("jpeg")
        return jpegs[min(1, len(jpegs) - 1)]

    @property
    def largest(self) -> Variant:
        return self.of("jpeg")[-1]

    def files(self) -> list[tuple[str, bytes]]:
        """Encode every variant (or take it from the build cache); the camera original is never among them."""
        upright: list[Image.Image] = []  # decoded only if some variant is not in the cache

        def encode(v: Variant) -> bytes:
            from PIL import Image

            if not upright:
                upright.append(_flat(read_pixels(self._source)[1]))
            img = upright[0] if v.width == self.width else upright[0].resize((v.width, v.height), Image.LANCZOS)
            buffer = io.BytesIO()
            if v.format == "jpeg":
                # No exif=, no icc_profile=: nothing but pixels is written.
                img.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
            else:
                img.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
            return buffer.getvalue()

        return [(v.path, cached("photo-variant", self._source, f"{v.width} {v.height} {v.format}",
                                lambda v=v: encode(v))) for v in self.variants]


def read_pixels(source: Path) -> tuple[str, Image.Image]:
    """The file format Pillow found in ``source`` (an MPO counted as the JPEG it is) and its upright pixels
    as a fresh 8-bit RGB or RGBA image.

    The file's EXIF (GPS, camera, time), XMP, ICC profile and text chunks stay behind:
    whatever is published is encoded from this image, never copied from the file.
    """
    # Loaded here, not with the module: most commands take every picture from the build cache,
    # and Pillow's image code costs each of them a hundredth of a second to load.
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Between MAX_PIXELS and twice that Pillow only warns; a picture that large is refused too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = MAX_PIXELS
            with Image.open(source) as raw:
                # What Pillow calls MPO is a phone's ordinary JPEG with an MPF segment (an HDR gain map, a
                # depth map: more pictures after the first). It is a JPEG all the same; the file opens on
                # its first picture, the photo, and only that is decoded, so the others never reach the site.
                found = "JPEG" if raw.format == "MPO" else raw.format
                upright = _upright(raw)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoError(f"太大了（超过 {MAX_PIXELS // 1_000_000} 百万像素），请缩小后再放进来") from exc
    except UnidentifiedImageError as exc:
        raise PhotoError("不是图片（也许是改了扩展名的别的文件）；请用原图片重新导出 JPG 或 PNG") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(f"读不出来（{type(exc).__name__}），文件可能不完整或已损坏；请换一张 JPG 或 PNG") from exc
    if upright.mode.startswith("I") or upright.mode == "F":  # 16-bit grey: Pillow would clip it to white
        upright = upright.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    mode = "RGBA" if "A" in upright.getbands() or "transparency" in upright.info else "RGB"
    pixels = upright.convert(mode)
    return found, Image.frombytes(mode, pixels.size, pixels.tobytes())


def _upright(raw: Image.Image) -> Image.Image:
    """``raw``'s pixels turned as its EXIF orientation flag says (a phone stores a portrait sideways).

    Only the flag is read. ``ImageOps.exif_transpose`` also writes the rest of the EXIF back, and a
    block with one faulty entry (a tag with another tag's type: an ImageDescription read as
    Compression holding text) makes that raise struct.error or TypeError although the pixels are
    fine. The flag is advice: one that cannot be read, whatever Pillow's parser trips on, leaves
    the picture as it is stored rather than refusing a good photo.
    """
    from PIL import Image

    raw.load()  # the pixels first: a broken file is the clerk's error, raised before any of this
    try:
        orientation = raw.getexif().get(0x0112, 1)  # Orientation
    except Exception:
        orientation = 1
    turn = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90}.get(orientation) if isinstance(orientation, int) else None
    return raw.transpose(turn) if turn is not None else raw.copy()


def _flat(clean: Image.Image) -> Image.Image:
    from PIL import Image

    if clean.mode == "RGBA":  # JPEG has no transparency: a see-through background turns white
        flat = Image.new("RGB", clean.size, (255, 255, 255))
        flat.paste(clean, mask=clean.getchannel("A"))
        return flat
    return clean


def open_photo(source: Path, base: str, alt: str) -> Photo:
    """Check ``source`` and plan its variants under the site path ``base``."""
    _, width, height = probe(source)
    photo = Photo(base, width, height, alt, source)
    widths = sorted({w for w in WIDTHS if w < width} | {min(width, WIDTHS[-1])})
    for w in widths:
        h = max(1, round(height * w / width))
        for fmt, ext in (("webp", "webp"), ("jpeg", "jpg")):
            photo.variants.append(Variant(w, h, f"{base}-{w}.{ext}", fmt))
    return photo
