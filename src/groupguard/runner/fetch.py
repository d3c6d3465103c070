"""Fetch the bytes a MediaRef points at, refusing anything outside what the operator
allowed: paths must resolve under the media root (no `..`, no symlinks out), URLs must be
http(s) and stay under the size limit, inline data only up to its own limit."""

from __future__ import annotations

from pathlib import Path

import httpx

from groupguard.config import Settings
from groupguard.errors import MediaAccessError, MediaError
from groupguard.events import MediaRef


def _read_path(ref_path: str, settings: Settings) -> bytes:
    if settings.media_root is None:
        raise MediaAccessError("media by path needs a media root (GROUPGUARD_MEDIA_ROOT)")
    root = Path(settings.media_root).resolve()
    target = (root / ref_path).resolve()
    if not target.is_relative_to(root):
        raise MediaAccessError(f"media path {ref_path!r} is outside the media root")
    if not target.is_file():
        raise MediaError(f"media file {ref_path!r} does not exist under the media root")
    size = target.stat().st_size
    if size > settings.max_media_bytes:
        raise MediaError(f"media file {ref_path!r} is {size} bytes, over the limit")
    return target.read_bytes()


def _read_url(url: str, settings: Settings) -> bytes:
    if not settings.allow_media_urls:
        raise MediaAccessError("media by URL is disabled by configuration")
    try:
        with httpx.stream("GET", url, timeout=20.0, follow_redirects=True) as resp:
            resp.raise_for_status()
            chunks: list[bytes] = []
            total = 0
            for chunk in resp.iter_bytes():
                total += len(chunk)
                if total > settings.max_media_bytes:
                    raise MediaError(f"media at {url} is over the size limit")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise MediaError(f"could not fetch {url}: {exc}") from exc


def fetch_media(ref: MediaRef, settings: Settings, *, inline_allowed: bool = True) -> bytes:
    if ref.data_base64 is not None:
        if not inline_allowed:
            raise MediaError("inline media is only accepted for icons and profile photos")
        data = ref.inline_bytes() or b""
        if len(data) > settings.max_inline_media_bytes:
            raise MediaError(
                f"inline media is {len(data)} bytes, over the {settings.max_inline_media_bytes}"
                "-byte limit; send it by path or URL"
            )
        return data
    if ref.path is not None:
        return _read_path(ref.path, settings)
    assert ref.url is not None
    return _read_url(ref.url, settings)
