"""The signal types a bank entry can hold, their names in other tools, and validation.

groupguard's names: md5, sha256 (digests of the file bytes, what NCMEC and StopNCII share),
pdq (64 hex), vpdq (a video: per-frame PDQ). Values are normalised (lower-case hex; vPDQ
as threatexchange's compact JSON list of "pdq,quality,timestamp" strings) so that the same
hash from two sources is one value.
"""

from __future__ import annotations

import json

from groupguard.errors import InvalidHashError
from groupguard.signals.digests import validate_md5, validate_sha256
from groupguard.signals.pdq import validate_pdq
from groupguard.signals.vpdq import VpdqFrame, parse_reference

SIGNAL_TYPES = ("md5", "sha256", "pdq", "vpdq")
DIGEST_TYPES = ("md5", "sha256")

# Names used by threatexchange / HMA (SignalType.get_name()), ThreatExchange indicator
# types, NCMEC and StopNCII, mapped to ours.
ALIASES = {
    "md5": "md5", "video_md5": "md5", "hash_md5": "md5", "hash_video_md5": "md5",
    "photo_md5": "md5", "md5hash": "md5",
    "sha256": "sha256", "video_sha256": "sha256", "hash_sha256": "sha256",
    "hash_video_sha256": "sha256", "sha-256": "sha256",
    "pdq": "pdq", "hash_pdq": "pdq", "photo_pdq": "pdq", "pdqhash": "pdq",
    "vpdq": "vpdq", "hash_vpdq": "vpdq", "video_vpdq": "vpdq",
}
# Our names as threatexchange spells them (for export).
TE_NAMES = {"md5": "video_md5", "sha256": "video_sha256", "pdq": "pdq", "vpdq": "vpdq"}


def signal_type_of(name: str) -> str:
    key = name.strip().lower()
    if key not in ALIASES:
        raise InvalidHashError(
            f"unknown signal type {name!r}; expected one of {', '.join(SIGNAL_TYPES)}")
    return ALIASES[key]


def normalise(signal_type: str, value: object) -> tuple[str, str]:
    """(canonical type, canonical value); raises InvalidHashError."""
    kind = signal_type_of(signal_type)
    if kind == "md5":
        return kind, validate_md5(value)
    if kind == "sha256":
        return kind, validate_sha256(value)
    if kind == "pdq":
        return kind, validate_pdq(value)
    return kind, vpdq_to_value(vpdq_frames(value))


def guess_type(value: str) -> str:
    """For hex lists without a type column: 32 hex digits is MD5, 64 is PDQ (the common
    case in hash-list exchange); SHA-256 lists must say so (`--signal-type sha256`)."""
    text = value.strip()
    if len(text) == 32:
        return "md5"
    if len(text) == 64:
        return "pdq"
    if text.startswith(("[", "{")):
        return "vpdq"
    raise InvalidHashError(
        f"cannot tell the signal type of {text[:80]!r} (length {len(text)}): a hash is 32 "
        "(MD5) or 64 (PDQ/SHA-256) hex digits")


def vpdq_frames(value: object) -> list[VpdqFrame]:
    """Accepts threatexchange's compact JSON ("pdq,quality,ts" strings), `groupguard hash`
    JSON (a list of {frame, ts, pdq, quality}), Meta's reference text, or VpdqFrames."""
    if isinstance(value, list) and all(isinstance(f, VpdqFrame) for f in value):
        frames = value
    else:
        data = value
        if isinstance(value, str):
            text = value.strip()
            if not text.startswith(("[", "{")):
                return parse_reference(text)
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InvalidHashError(f"vPDQ value is not valid JSON: {exc}") from None
        if isinstance(data, dict):  # threatexchange's old form: {frame_number: {...}}
            data = [dict(v, frame=int(k)) for k, v in data.items()]
        if not isinstance(data, list):
            raise InvalidHashError("vPDQ value must be a list of frames")
        frames = [_frame(i, f) for i, f in enumerate(data)]
    if not frames:
        raise InvalidHashError("vPDQ value has no frames")
    return frames


def _frame(i: int, item: object) -> VpdqFrame:
    try:
        if isinstance(item, str):
            pdq, quality, ts = item.split(",")
            return VpdqFrame(i, float(ts), validate_pdq(pdq), int(quality))
        if isinstance(item, dict):
            pdq = item.get("pdq", item.get("hash"))
            ts = item.get("ts", item.get("timestamp", 0.0))
            return VpdqFrame(int(item.get("frame", i)), float(ts), validate_pdq(pdq),
                             int(item["quality"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidHashError(f"vPDQ frame {i}: {exc}") from None
    raise InvalidHashError(f"vPDQ frame {i}: not a frame: {item!r}")


def vpdq_to_value(frames: list[VpdqFrame]) -> str:
    """Byte for byte what threatexchange's vpdq_to_json writes, so values compare equal."""
    return json.dumps([f"{f.pdq},{f.quality},{float(f.ts):.3}" for f in frames])
