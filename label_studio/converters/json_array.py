"""Writing a JSON array item by item, laid out like json.dump(items, indent=2)."""
from .. import jsonio

BATCH = 256   # items encoded in one call: one encoder call per item costs more than the items


def indented(value, level=0) -> bytes:
    """`value` as indented JSON whose lines start `level` steps in."""
    text = jsonio.dumps(value, jsonio.PRETTY)
    if not level:
        return text
    pad = b"  " * level
    return pad + text.replace(b"\n", b"\n" + pad)


class JsonArrayWriter:
    """Items are kept until BATCH of them are encoded together; `count` includes them."""

    def __init__(self, f, level=0):
        self.f = f
        self.level = level
        self.count = 0
        self._pending = []

    def add(self, value):
        self._pending.append(value)
        self.count += 1
        if len(self._pending) >= BATCH:
            self._write_pending()

    def _write_pending(self):
        items, self._pending = self._pending, []
        # "[\n  item,\n  item\n]": the items one level in, as the array's elements are
        body = jsonio.dumps(items, jsonio.PRETTY)[2:-2]
        if self.level:
            pad = b"  " * self.level
            body = pad + body.replace(b"\n", b"\n" + pad)
        self.f.write((b"[\n" if self.count == len(items) else b",\n") + body)

    def close(self):
        if self._pending:
            self._write_pending()
        if self.count:
            self.f.write(b"\n" + b"  " * self.level + b"]")
        else:
            self.f.write(b"[]")
