"""Writing a JSON array item by item, laid out like json.dump(items, indent=2)."""
from .. import jsonio


def indented(value, level=0) -> bytes:
    """`value` as indented JSON whose lines start `level` steps in."""
    text = jsonio.dumps(value, jsonio.PRETTY)
    if not level:
        return text
    pad = b"  " * level
    return pad + text.replace(b"\n", b"\n" + pad)


class JsonArrayWriter:
    def __init__(self, f, level=0):
        self.f = f
        self.level = level
        self.count = 0

    def add(self, value):
        self.f.write(b"[\n" if self.count == 0 else b",\n")
        self.f.write(indented(value, self.level + 1))
        self.count += 1

    def close(self):
        if self.count:
            self.f.write(b"\n" + b"  " * self.level + b"]")
        else:
            self.f.write(b"[]")
