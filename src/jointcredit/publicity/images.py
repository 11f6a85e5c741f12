"""Images for articles: recognised by their content with Pillow (never by name or the client's
content type), bounded in bytes and in pixels (a small PNG can decode to gigabytes), stored under a
generated name (the sha-256 of the content) below ``MEDIA_ROOT/publicity/``."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from jointcredit.common.errors import ValidationFailed

FORMATS = {"PNG": ("image/png", ".png"), "JPEG": ("image/jpeg", ".jpg"), "GIF": ("image/gif", ".gif")}


def max_bytes() -> int:
    return settings.JOINTCREDIT_PUBLICITY_IMAGE_MAX_BYTES


def max_pixels() -> int:
    return settings.JOINTCREDIT_PUBLICITY_IMAGE_MAX_PIXELS


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    content_type: str
    ext: str
    width: int
    height: int
    original_name: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def stored_name(self) -> str:
        return f"{self.sha256[:32]}{self.ext}"


def _refuse(rule: str, message: str) -> ValidationFailed:
    return ValidationFailed.single("file", rule, message)


def image_check(upload) -> CheckedImage:
    """Read at most the byte limit + 1, then let Pillow identify the format from the content and
    check the pixel count before anything is decoded in full."""
    if upload is None:
        raise _refuse("required", "请选择要上传的图片文件（file）。")
    name = PurePath(getattr(upload, "name", "") or "image").name[:200]
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _refuse("max_size", f"图片“{name}”大小 {size} 字节，超过上限 {limit} 字节。")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refuse("max_size", f"图片“{name}”超过上限 {limit} 字节。")
    if not data:
        raise _refuse("not_empty", f"图片“{name}”为空文件。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt, (width, height) = probe.format, probe.size
                if width * height > max_pixels():
                    raise _refuse(
                        "max_pixels",
                        f"图片“{name}”为 {width}×{height} 像素，超过上限 {max_pixels()} 像素。",
                    )
                if fmt not in FORMATS:
                    raise _refuse("file_type", f"图片“{name}”不是 PNG、JPEG 或 GIF 图片（按文件内容识别）。")
                probe.verify()
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refuse(
            "file_type", f"图片“{name}”不是可识别的 PNG、JPEG 或 GIF 图片（按文件内容识别）。"
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise _refuse("corrupt", f"图片“{name}”已损坏，无法读取。") from exc
    content_type, ext = FORMATS[fmt]
    return CheckedImage(data, content_type, ext, width, height, name)
