import numpy as np
import pdqhash
import pytest
from PIL import Image

from groupguard.errors import InvalidHashError
from groupguard.signals.pdq import bits_to_hex, hamming, hex_to_bits, pdq_from_image, validate_pdq

# Published in Meta's PDQ README for bridge-1-original.jpg; our hex bit order must agree.
BRIDGE = "f8f8f0cee0f4a84f06370a22038f67f0b36e2ed596221e1d33e6b39c4e9c9b22"


def test_hex_round_trips_bits():
    bits = np.random.default_rng(1).integers(0, 2, 256)
    assert (hex_to_bits(bits_to_hex(bits)) == bits).all()


def test_pdq_from_image_equals_reference_on_same_pixels(data_dir):
    img = Image.open(data_dir / "pdq" / "square-256x256.jpg").convert("RGB")
    bits, quality = pdqhash.compute(np.asarray(img))
    assert pdq_from_image(img) == (bits_to_hex(bits), int(quality))


def test_bridge_square_is_near_published_hash(data_dir):
    img = Image.open(data_dir / "pdq" / "square-256x256.jpg")
    hex_, quality = pdq_from_image(img)
    assert quality == 100
    assert hamming(hex_, BRIDGE) <= 31


def test_hamming_counts_bits():
    assert hamming("0" * 64, "0" * 64) == 0
    assert hamming("0" * 64, "f" * 64) == 256
    assert hamming("0" * 63 + "3", "0" * 64) == 2


def test_validate_pdq_normalises_case():
    assert validate_pdq(BRIDGE.upper()) == BRIDGE


@pytest.mark.parametrize(
    "bad", ["", "abc", BRIDGE[:-1], BRIDGE + "0", "g" * 64, BRIDGE[:-1] + "z", 1234, None]
)
def test_validate_pdq_rejects_bad_values(bad):
    with pytest.raises(InvalidHashError):
        validate_pdq(bad)


def test_hamming_rejects_bad_values():
    with pytest.raises(InvalidHashError):
        hamming("xyz", BRIDGE)
