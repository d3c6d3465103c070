"""Bad input: each gets a clear MediaError / InvalidHashError, and a batch goes on."""

import io
import json
import struct
import zlib

import pytest
from PIL import Image
from typer.testing import CliRunner

from groupguard.cli import app
from groupguard.config import Settings
from groupguard.errors import InvalidHashError, MediaError
from groupguard.signals.hashing import hash_bytes
from groupguard.signals.pdq import validate_pdq


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def huge_palette_png(width: int = 20000, height: int = 20000) -> bytes:
    """A valid 1-bit palette PNG of width x height, all zeros: a few tens of KB on disk."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    comp = zlib.compressobj(9)
    parts = [comp.compress(row * 1000) for _ in range(height // 1000)]
    parts.append(comp.compress(row * (height % 1000)))
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 3, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"PLTE", b"\x00\x00\x00\xff\xff\xff")
        + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims width x height (a classic bomb)."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 30)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def good_jpeg() -> bytes:
    buf = io.BytesIO()
    img = Image.radial_gradient("L").convert("RGB").resize((300, 200))
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_20000_square_png_is_refused_before_decoding():
    data = huge_palette_png()
    assert len(data) < 200_000
    with pytest.raises(MediaError, match="decompression bomb"):
        hash_bytes(data)


def test_jpeg_bomb_is_refused():
    with pytest.raises(MediaError, match="decompression bomb"):
        hash_bytes(jpeg_claiming(60000, 60000))


def test_png_under_the_limit_decodes():
    h = hash_bytes(huge_palette_png(2000, 1000))
    assert (h.width, h.height) == (2000, 1000)
    assert not h.matchable  # one flat colour: quality 0


def test_zero_bytes():
    with pytest.raises(MediaError, match="empty"):
        hash_bytes(b"")


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_jpeg(cut):
    data = good_jpeg()
    with pytest.raises(MediaError, match="truncated|corrupt|cannot read"):
        hash_bytes(data[: int(len(data) * cut)])


def test_corrupt_png():
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    idat = data.index(b"IDAT")
    data[idat + 8 : idat + 20] = b"\xff" * 12  # break the compressed stream (and the CRC)
    with pytest.raises(MediaError):
        hash_bytes(bytes(data))


def test_unknown_bytes():
    with pytest.raises(MediaError, match="not a recognised image or video"):
        hash_bytes(b"%PDF-1.4 not media at all\n" * 20)


def test_over_long_video_with_tiny_limit(tmp_path):
    from tests.signals.test_vpdq import make_video

    with pytest.raises(MediaError, match="limit"):
        hash_bytes(make_video(60), settings=Settings(max_video_seconds=0.5))


@pytest.mark.parametrize(
    "value", ["", "abc", "0" * 63, "0" * 65, "x" * 64, "0" * 62 + "-1", " ", None, 5]
)
def test_bad_pdq_strings(value):
    with pytest.raises(InvalidHashError):
        validate_pdq(value)


def test_cli_batch_goes_on_past_bad_files(tmp_path):
    from tests.signals.test_vpdq import make_video

    files = {
        "good.jpg": good_jpeg(),
        "empty.jpg": b"",
        "truncated.jpg": good_jpeg()[:500],
        "bomb.png": huge_palette_png(),
        "noframes.mkv": make_video(0, fmt="matroska"),
        "video.mp4": make_video(45),
        "junk.bin": b"\x01\x02junk" * 30,
    }
    paths = []
    for name, data in files.items():
        p = tmp_path / name
        p.write_bytes(data)
        paths.append(str(p))
    result = CliRunner().invoke(app, ["hash", *paths, "--json"])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == paths
    by_name = {line["path"].rsplit("/", 1)[1]: line for line in lines}
    assert by_name["good.jpg"]["kind"] == "image" and len(by_name["good.jpg"]["pdq"]) == 64
    assert by_name["video.mp4"]["kind"] == "video" and by_name["video.mp4"]["vpdq"]
    for bad in ("empty.jpg", "truncated.jpg", "bomb.png", "noframes.mkv", "junk.bin"):
        assert set(by_name[bad]) == {"path", "error"} and by_name[bad]["error"], bad
