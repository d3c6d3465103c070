"""Media for the console: only files a case shows, only to people with the media
permission, decrypted from preserved evidence, every display and reveal audit-logged.

A page load fetches a file to show it blurred ("media.display"); deliberately revealing it
is "media.view" (what reporting reads as the file having been viewed) and counts toward the
reviewer's daily exposure."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from groupguard.config import Settings
from groupguard.errors import MediaError, NotFoundError, PermissionDeniedError
from groupguard.review.casefile import case_media, case_signal_rows
from groupguard.review.effects import _optional
from groupguard.review.queue import get_case_row
from groupguard.review.users import ReviewUser
from groupguard.review.wellness import count_exposure, effective_settings, exposure_today
from groupguard.store.audit import record_audit

STRIP_FRAMES = 6
STRIP_HEIGHT = 120
MAX_DECODE_FRAMES = 20_000


class NoPreservedMediaError(NotFoundError):
    """The file's bytes were not preserved (or were purged); only its hashes remain."""


@dataclass
class MediaBytes:
    data: bytes
    content_type: str


def _sniff(data: bytes) -> str:
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "video/webm"
    return "application/octet-stream"


def _case_file(session: Session, user: ReviewUser, case_id: int, sha256: str) -> dict[str, Any]:
    user.require("case.view")
    if not user.can("media.view"):
        raise PermissionDeniedError(f"{user.name} has no permission to view media")
    case = get_case_row(session, case_id)
    for m in case_media(session, case, case_signal_rows(session, case)):
        if m["sha256"] == sha256:
            return m
    raise NotFoundError(f"case {case_id} shows no file {sha256}")


def has_bytes(session: Session, settings: Settings, sha256: str) -> bool:
    evidence = _optional("groupguard.reporting.evidence")
    return bool(evidence and evidence.has_evidence(session, settings, sha256))


def read_case_media(session: Session, settings: Settings, user: ReviewUser, case_id: int,
                    sha256: str) -> MediaBytes:
    _case_file(session, user, case_id, sha256)
    evidence = _optional("groupguard.reporting.evidence")
    if evidence is None or not evidence.has_evidence(session, settings, sha256):
        raise NoPreservedMediaError(f"no preserved bytes for {sha256}")
    record_audit(session, user.actor, "media.display", f"media:{sha256}", case_id=case_id)
    data = evidence.read_media(session, settings, sha256, actor=user.actor,
                               why=f"review of case {case_id}")
    return MediaBytes(data=data, content_type=_sniff(data))


def reveal(session: Session, user: ReviewUser, case_id: int, sha256: str) -> dict[str, Any]:
    """A deliberate reveal of one file: audit (media.view) and the exposure counter."""
    _case_file(session, user, case_id, sha256)
    record_audit(session, user.actor, "media.view", f"media:{sha256}", case_id=case_id)
    prefs = effective_settings(session, user)
    today = count_exposure(session, user) if prefs.exposure_counter else None
    limit = prefs.daily_exposure_limit or None
    return {"sha256": sha256, "exposure_today": today, "limit": limit,
            "over_limit": bool(limit and today and today > limit)}


def exposure(session: Session, user: ReviewUser) -> dict[str, Any]:
    prefs = effective_settings(session, user)
    return {"counting": prefs.exposure_counter,
            "today": exposure_today(session, user) if prefs.exposure_counter else None,
            "limit": prefs.daily_exposure_limit or None}


def video_strip(data: bytes, *, frames: int = STRIP_FRAMES, height: int = STRIP_HEIGHT) -> bytes:
    """A JPEG strip of evenly spaced frames, so a reviewer sees a video's content at a
    glance (blurred) without playing it."""
    import av
    from PIL import Image

    try:
        with av.open(io.BytesIO(data)) as container:
            stream = container.streams.video[0]
            total = stream.frames or 0
            images: list[Image.Image] = []
            if total <= 0:
                decoded = []
                for i, frame in enumerate(container.decode(stream)):
                    decoded.append(frame.to_image())
                    if i >= MAX_DECODE_FRAMES:
                        break
                step = max(1, len(decoded) // frames)
                images = decoded[::step][:frames]
            else:
                wanted = {int(i * total / frames) for i in range(frames)}
                for i, frame in enumerate(container.decode(stream)):
                    if i in wanted:
                        images.append(frame.to_image())
                    if len(images) >= frames or i >= MAX_DECODE_FRAMES:
                        break
    except (av.error.FFmpegError, IndexError, ValueError) as exc:
        raise MediaError(f"cannot read video frames: {exc}") from exc
    if not images:
        raise MediaError("the video has no decodable frames")
    thumbs = []
    for im in images:
        w = max(1, round(im.width * height / max(1, im.height)))
        thumbs.append(im.convert("RGB").resize((w, height)))
    strip = Image.new("RGB", (sum(t.width for t in thumbs) + 4 * (len(thumbs) - 1), height),
                      (40, 40, 40))
    x = 0
    for t in thumbs:
        strip.paste(t, (x, 0))
        x += t.width + 4
    out = io.BytesIO()
    strip.save(out, "JPEG", quality=80)
    return out.getvalue()


def read_case_strip(session: Session, settings: Settings, user: ReviewUser, case_id: int,
                    sha256: str) -> MediaBytes:
    m = read_case_media(session, settings, user, case_id, sha256)
    if not m.content_type.startswith("video/"):
        return m
    return MediaBytes(data=video_strip(m.data), content_type="image/jpeg")
