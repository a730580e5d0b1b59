"""The LSF brush RLE decoder, checked against a bit stream written out by hand."""
import numpy as np
import pytest

from label_studio.converters.brush_rle import RLEError, decode, decode_mask, encode


def bits_to_bytes(bits):
    bits = bits.replace(" ", "")
    bits += "0" * (-len(bits) % 8)
    return [int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)]


HEADER_8_VALUES = (
    f"{8:032b}"        # 8 values in all
    "00111"            # word size 8
    "0010 0011 0111 1111"   # run-length widths 3, 4, 8, 16
)


def test_decodes_a_repeat_block_and_a_literal_block():
    blocks = ("1 00 011 11111111"                              # repeat, width 3: 4 x 255
              "0 00 011 00000001 00000010 00000011 00000100")  # literal, width 3: 1 2 3 4
    values = decode(bits_to_bytes(HEADER_8_VALUES + blocks))
    assert values.dtype == np.uint8
    assert values.tolist() == [255, 255, 255, 255, 1, 2, 3, 4]


def test_uses_the_width_the_block_picks():
    header = f"{300:032b}" "00111" "0010 0011 0111 1111"
    blocks = "1 10 00101011 00001001"      # repeat, width 8: run 44 of value 9
    blocks += "1 11 0000000100000000 00000111"   # repeat, width 16: run 257 (one too many)
    values = decode(bits_to_bytes(header + blocks))
    assert values.tolist() == [9] * 44 + [7] * 256


def test_truncated_data_is_an_error():
    with pytest.raises(RLEError):
        decode(bits_to_bytes(HEADER_8_VALUES + "1 00 011"))


def test_a_count_that_does_not_match_the_image_is_refused_before_decoding():
    with pytest.raises(RLEError, match="not the 48"):
        decode_mask(bits_to_bytes(HEADER_8_VALUES), 4, 3)


def test_mask_is_the_alpha_channel_row_by_row():
    rgba = np.zeros((3, 4, 4), dtype=np.uint8)
    rgba[1, 2] = (10, 20, 30, 255)
    rgba[2, 0] = (1, 1, 1, 128)
    mask = decode_mask(encode(rgba.ravel()), 4, 3)
    assert mask.shape == (3, 4)
    assert mask.tolist() == [[0, 0, 0, 0], [0, 0, 255, 0], [128, 0, 0, 0]]


@pytest.mark.parametrize("values", [
    np.zeros(0, dtype=np.uint8),
    np.array([5], dtype=np.uint8),
    np.arange(256, dtype=np.uint8),                           # one long literal run
    np.repeat(np.array([0, 255, 0], dtype=np.uint8), [70_000, 3, 1]),   # a run over 2^16
    np.random.default_rng(7).integers(0, 3, 50_000).astype(np.uint8),
])
def test_encode_then_decode_gives_the_values_back(values):
    assert np.array_equal(decode(encode(values)), values)


def test_not_bytes_is_an_error():
    with pytest.raises(RLEError):
        decode([1, 2, 300])
