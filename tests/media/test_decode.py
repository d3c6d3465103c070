import io

import pytest
from PIL import Image

from groupguard.errors import MediaError
from groupguard.media.decode import decode_image, decode_image_sized


def _jpeg(size=(320, 200), color=(200, 30, 30), exif_orientation=None) -> bytes:
    img = Image.new("RGB", size, color)
    for x in range(0, size[0], 20):
        for y in range(size[1] // 2):
            img.putpixel((x, y), (0, 0, 255))
    buf = io.BytesIO()
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        img.save(buf, "JPEG", exif=exif.tobytes())
    else:
        img.save(buf, "JPEG")
    return buf.getvalue()


def test_decodes_to_rgb():
    img = decode_image(_jpeg())
    assert img.mode == "RGB"
    assert img.size == (320, 200)


def test_exif_orientation_is_applied():
    img, full = decode_image_sized(_jpeg(exif_orientation=6))
    assert img.size == (200, 320)
    assert full == (200, 320)


def test_zero_bytes_is_a_media_error():
    with pytest.raises(MediaError, match="empty"):
        decode_image(b"")


def test_garbage_is_a_media_error():
    with pytest.raises(MediaError, match="not a recognised image"):
        decode_image(b"this is not an image at all" * 10)


def test_truncated_jpeg_is_a_media_error():
    data = _jpeg(size=(640, 480))
    with pytest.raises(MediaError, match="corrupt or truncated"):
        decode_image(data[: len(data) // 2])


def test_pixel_limit_is_checked_before_decoding():
    with pytest.raises(MediaError, match="over the limit"):
        decode_image(_jpeg(size=(400, 400)), max_pixels=100_000)


def test_draft_decodes_large_jpeg_reduced():
    img, full = decode_image_sized(_jpeg(size=(2048, 1536)), draft_size=256)
    assert full == (2048, 1536)
    assert img.size == (512, 384)
