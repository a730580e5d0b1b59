"""glibc tuning around a first open: large freed blocks are reused, then given back."""
import subprocess
import sys

import pytest

CODE = """
import resource
from label_studio.serving import freed_blocks_reused

def faults(rounds=100, size=1 << 20):
    # a few blocks of about 1 MB at a time, as a batch of 10k tasks takes (written: every
    # page of a fresh block faults)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for n in range(rounds):
        blocks = [bytearray(size + 4096 * (n % 7)) for _ in range(4)]
        del blocks
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) // 1024 for line in f if line.startswith("VmRSS"))

plain = faults()
start = rss_mb()
with freed_blocks_reused():
    inside = faults()
    kept = [bytearray(1 << 20) for _ in range(64)]
    del kept
after = faults()
print(plain, inside, after, rss_mb() - start)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_large_blocks_are_reused_during_an_open_and_given_back_after():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                         check=True)
    plain, inside, after, grown_mb = map(int, out.stdout.split())
    assert plain > 100 * 4 * 200  # 256 pages a block, each faulted
    assert inside < plain / 10
    assert after > 100 * 4 * 200  # back to glibc's ways
    assert grown_mb < 16  # the 64 MB freed inside went back to the system
