"""The run-length encoding LSF 0.8/0.9 uses for brush masks (export.md §4.7.1).

`value.rle` is a list of bytes read as one big-endian bit stream: 32 bits for the number of
values N, 5 bits for the word size minus 1, four 4-bit run-length widths (each minus 1),
then blocks until N values are out: a repeat flag (1 bit), an index into the widths (2 bits),
the run length minus 1 in that many bits, and then one word to repeat (flag set) or that many
literal words (flag clear). The values are the RGBA bytes of the mask image, row by row.
"""
import numpy as np

DEFAULT_WIDTHS = (3, 4, 8, 16)
MAX_VALUES = 1 << 30


class RLEError(ValueError):
    pass


class _BitReader:
    """Reads big-endian bit fields; long literal runs are read with numpy in one go."""

    def __init__(self, data: bytes):
        self.data = data
        # a leading 1 keeps the leading zero bits when the bytes become a binary string
        self.bits = bin(int.from_bytes(b"\x01" + data, "big"))[3:]
        self.position = 0
        self._unpacked = None

    def read(self, width):
        start = self.position
        self.position = start + width
        if self.position > len(self.bits):
            raise RLEError("the RLE data ends early")
        return int(self.bits[start:self.position], 2)

    def read_many(self, count, width):
        if count < 16:
            return [self.read(width) for _ in range(count)]
        start = self.position
        self.position = start + count * width
        if self.position > len(self.bits):
            raise RLEError("the RLE data ends early")
        if self._unpacked is None:
            self._unpacked = np.unpackbits(np.frombuffer(self.data, dtype=np.uint8))
        fields = self._unpacked[start:self.position].reshape(count, width).astype(np.uint64)
        return fields @ (np.uint64(1) << np.arange(width - 1, -1, -1, dtype=np.uint64))


def decode(rle, expected=None) -> np.ndarray:
    """The flat array of values an RLE list holds (uint8 for 8-bit words).

    With `expected`, a header announcing another count is refused before anything is
    allocated, so a bad RLE cannot ask for gigabytes.
    """
    try:
        data = bytes(rle)
    except (TypeError, ValueError):
        raise RLEError("the RLE must be a list of byte values 0..255") from None
    reader = _BitReader(data)
    total = reader.read(32)
    if expected is not None and total != expected:
        raise RLEError(f"the RLE holds {total} values, not the {expected} of the image")
    if total > MAX_VALUES:
        raise RLEError(f"the RLE holds {total} values, more than {MAX_VALUES}")
    word = reader.read(5) + 1
    widths = [reader.read(4) + 1 for _ in range(4)]
    out = np.empty(total, dtype=np.uint8 if word <= 8 else np.uint16 if word <= 16 else np.uint32)
    produced = 0
    while produced < total:
        head = reader.read(3)  # repeat flag, then the index of the run-length width
        run = min(reader.read(widths[head & 3]) + 1, total - produced)
        if head & 4:
            out[produced:produced + run] = reader.read(word)
        else:
            out[produced:produced + run] = reader.read_many(run, word)
        produced += run
    return out


def decode_mask(rle, width, height) -> np.ndarray:
    """The alpha channel of the RGBA mask, height x width."""
    flat = decode(rle, expected=width * height * 4)
    return flat.reshape(height, width, 4)[:, :, 3]


class _BitWriter:
    def __init__(self):
        self.out = bytearray()
        self.pending = 0
        self.pending_bits = 0

    def write(self, value, bits):
        self.pending = (self.pending << bits) | value
        self.pending_bits += bits
        while self.pending_bits >= 8:
            self.pending_bits -= 8
            self.out.append((self.pending >> self.pending_bits) & 0xFF)
        self.pending &= (1 << self.pending_bits) - 1

    def finish(self) -> bytes:
        if self.pending_bits:
            self.out.append((self.pending << (8 - self.pending_bits)) & 0xFF)
        return bytes(self.out)


def encode(values, word=8, widths=DEFAULT_WIDTHS) -> list[int]:
    """The RLE of a flat sequence of values (the inverse of decode), as a list of bytes."""
    flat = np.asarray(values).ravel()
    writer = _BitWriter()
    writer.write(flat.size, 32)
    writer.write(word - 1, 5)
    for width in widths:
        writer.write(width - 1, 4)
    longest = 1 << max(widths)
    literals = []
    for value, run in _runs(flat):
        if run == 1:
            literals.append(value)
            continue
        _write_literals(writer, literals, word, widths)
        literals = []
        while run:
            chunk = min(run, longest)
            _write_block(writer, True, chunk, widths)
            writer.write(value, word)
            run -= chunk
    _write_literals(writer, literals, word, widths)
    return list(writer.finish())


def _runs(flat):
    if flat.size == 0:
        return []
    starts = np.concatenate(([0], np.flatnonzero(flat[1:] != flat[:-1]) + 1))
    lengths = np.diff(np.concatenate((starts, [flat.size])))
    return zip(flat[starts].tolist(), lengths.tolist())


def _write_literals(writer, literals, word, widths):
    longest = 1 << max(widths)
    for start in range(0, len(literals), longest):
        chunk = literals[start:start + longest]
        _write_block(writer, False, len(chunk), widths)
        for value in chunk:
            writer.write(value, word)


def _write_block(writer, repeat, run, widths):
    index = next(i for i, width in enumerate(widths) if run - 1 < (1 << width))
    writer.write(int(repeat), 1)
    writer.write(index, 2)
    writer.write(run - 1, widths[index])
