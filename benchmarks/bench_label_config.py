"""Timings of label config parsing: the largest template, and refusals of unsafe input.

Run from the repository root: python benchmarks/bench_label_config.py [iterations]
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from label_studio.label_config import LabelConfigError, parse_label_config, xmlsafe  # noqa: E402
from label_studio.templates import list_templates  # noqa: E402


def timings_ms(func, iterations: int) -> list[float]:
    func()  # warm up
    found = []
    for _ in range(iterations):
        start = time.perf_counter()
        func()
        found.append((time.perf_counter() - start) * 1000)
    return found


def refuse(text):
    def run():
        try:
            parse_label_config(text)
        except LabelConfigError:
            return
        raise AssertionError("unsafe config was accepted")
    return run


def report(label: str, values: list[float]) -> None:
    print(f"{label:<44} median {statistics.median(values):7.3f} ms   "
          f"mean {statistics.fmean(values):7.3f} ms   max {max(values):7.3f} ms")


def unsafe_inputs() -> dict:
    laughs = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    return {
        "XXE file entity": '<!DOCTYPE V [<!ENTITY x SYSTEM "file:///etc/passwd">]><View>&x;</View>',
        "XXE network entity (closed port)": '<!DOCTYPE V [<!ENTITY x SYSTEM "http://127.0.0.1:9/">]><View>&x;</View>',
        "billion laughs": f'<!DOCTYPE V [<!ENTITY l0 "lol">{laughs}]><View>&l9;</View>',
        "external DTD": '<!DOCTYPE View SYSTEM "http://127.0.0.1:9/x.dtd"><View/>',
        "plain DOCTYPE": "<!DOCTYPE View><View/>",
        "oversized (1 MiB + 1)": "<View>" + " " * xmlsafe.MAX_CONFIG_BYTES + "</View>",
        "element flood": "<View>" + "<a/>" * (xmlsafe.MAX_ELEMENTS + 1) + "</View>",
    }


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    largest = max(list_templates(), key=lambda t: len(t.text))
    print(f"largest template: {largest.name} ({len(largest.text)} chars), {iterations} iterations")
    report(f"parse+validate {largest.name}", timings_ms(lambda: parse_label_config(largest.text), iterations))
    for label, text in unsafe_inputs().items():
        report(f"refuse {label}", timings_ms(refuse(text), max(iterations // 10, 20)))


if __name__ == "__main__":
    main()
