"""Zip bombs and crafted archives: refused with 413 (or a clean 400), nothing written.

The bombs stay small: the project's upload limit is set to 1 MiB, so members of 8 MiB of
zeros (8 KiB each once packed) are already far too much.
"""
import io
import json
import os
import random
import struct
import tracemalloc
import zipfile

import pytest
from click.testing import CliRunner

from conftest import folder_snapshot, set_config
from label_studio.cli import main
from label_studio.importers import uploads
from label_studio.importers.archives import archive_members
from label_studio.importers.format_error import FileFormatError
from label_studio.importers.limits import ImportLimits
from label_studio.settings import Settings
from test_import_files import jpeg_bytes, post_files, tasks_on_disk
from test_import_url import files  # noqa: F401 (the fixture)
from test_import_zip import make_zip, set_central_sizes

MiB = 1024 * 1024
ZEROS = b"\0" * (8 * MiB)


def bomb(members=8, content=ZEROS):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(members):
            archive.writestr(f"zeros{i}.jpg", content)
    return buffer.getvalue()


@pytest.fixture
def small_limit(project_dir):
    """The project with a 1 MiB upload limit and no max_unpacked_size of its own."""
    set_config(project_dir, max_upload_size=MiB)
    return project_dir


def on_disk(path):
    """Every file under path with its bytes, and every folder (an empty staging folder too)."""
    folders = sorted(os.path.relpath(os.path.join(parent, name), path)
                     for parent, dirs, _ in os.walk(path) for name in dirs)
    return folder_snapshot(path), folders


def spy_on_staged_bytes(monkeypatch):
    """Records the sizes of the chunks the upload staging reads from member streams."""
    sizes = []
    original = uploads.UploadStaging.add

    def add(self, name, stream):
        class Spy:
            def read(self, size=-1):
                data = stream.read(size)
                sizes.append(len(data))
                return data
        return original(self, name, Spy())

    monkeypatch.setattr(uploads.UploadStaging, "add", add)
    return sizes


def assert_refused_as_too_large(answer, *words):
    assert answer.status_code == 413, answer.get_json()
    body = answer.get_json()
    assert body["status"] == 413
    for word in words:
        assert word in body["detail"]


def test_the_unpacked_limit_defaults_to_the_upload_limit():
    assert Settings({}).max_unpacked_size == 200 * MiB
    assert Settings({"max_upload_size": MiB}).max_unpacked_size == MiB
    assert Settings({"max_upload_size": MiB, "max_unpacked_size": 5 * MiB}).max_unpacked_size \
        == 5 * MiB
    assert Settings({"max_upload_size": 0}).max_unpacked_size == 200 * MiB


def test_a_zip_bomb_upload_is_413_and_writes_nothing(client, small_limit):
    data = bomb()
    assert len(data) < MiB
    before = on_disk(small_limit)
    r = post_files(client, ("file", "bomb.zip", data))
    assert_refused_as_too_large(r, "bomb.zip", "unpacks to 67108864 bytes",
                                "at most 1048576 are allowed", "max_unpacked_size")
    assert on_disk(small_limit) == before


def test_a_member_inflating_like_a_bomb_is_refused_while_it_is_read(client, small_limit,
                                                                    monkeypatch):
    set_config(small_limit, max_unpacked_size=100 * MiB)
    read = spy_on_staged_bytes(monkeypatch)
    before = on_disk(small_limit)
    r = post_files(client, ("file", "bomb.zip", bomb(members=1)))
    assert_refused_as_too_large(r, "bomb.zip", '"zeros0.jpg"', "100 times",
                                "max_compression_ratio")
    assert on_disk(small_limit) == before
    assert read and sum(read) <= 3 * MiB    # stopped early, not after 8 MiB


def test_the_compression_ratio_limit_is_configurable(client, small_limit):
    set_config(small_limit, max_unpacked_size=100 * MiB, max_compression_ratio=2000)
    r = post_files(client, ("file", "zeros.zip", bomb(members=1)))
    assert r.status_code == 201, r.get_json()


def test_the_first_mib_of_a_member_may_inflate_freely(client, small_limit):
    set_config(small_limit, max_unpacked_size=10 * MiB)
    r = post_files(client, ("file", "zeros.zip", bomb(members=2, content=b"\0" * 1_000_000)))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["task_count"] == 2


def test_a_central_directory_that_understates_sizes_is_a_clean_400(client, small_limit):
    lying = set_central_sizes(bomb(), 1000)
    before = on_disk(small_limit)
    r = post_files(client, ("file", "lying.zip", lying))
    assert r.status_code == 400, r.get_json()
    [message] = r.get_json()
    assert message.startswith("Failed to parse input file lying.zip/zeros0.jpg:")
    assert "Bad CRC-32" in message
    assert on_disk(small_limit) == before


def corrupt_member_data(data, length=40):
    """The archive with the start of its first member's packed data overwritten."""
    data = bytearray(data)
    name_length, extra_length = struct.unpack_from("<2H", data, 26)
    start = 30 + name_length + extra_length
    data[start:start + length] = b"\xff" * length
    return bytes(data)


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                                         zipfile.ZIP_LZMA])
def test_a_damaged_member_is_a_clean_400(client, project_dir, compression):
    tasks = json.dumps([{"image": f"http://x/{i}.jpg"} for i in range(200)]).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("tasks.json", tasks)
    before = on_disk(project_dir)
    r = post_files(client, ("file", "damaged.zip", corrupt_member_data(buffer.getvalue())))
    assert r.status_code == 400, r.get_json()
    [message] = r.get_json()
    assert message.startswith("Failed to parse input file damaged.zip/tasks.json:")
    assert on_disk(project_dir) == before


def test_a_member_offset_before_the_archive_start_is_a_clean_400(client, project_dir):
    data = bytearray(make_zip([("a.jpg", jpeg_bytes())]))
    end = data.rfind(b"PK\x05\x06")
    offset = struct.unpack_from("<I", data, end + 16)[0]
    struct.pack_into("<I", data, end + 16, offset + 5000)   # moves every member 5000 back
    r = post_files(client, ("file", "shifted.zip", bytes(data)))
    assert r.status_code == 400, r.get_json()
    assert r.get_json()[0].startswith("Failed to parse input file shifted.zip:")


def test_many_directory_entries_are_refused_before_they_are_parsed():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(40_000):
            archive.writestr(zipfile.ZipInfo(f"{i:x}"), b"")
    data = buffer.getvalue()
    limits = ImportLimits(max_upload_size=10 * MiB, max_tasks=10, max_archive_members=10,
                          max_unpacked_size=MiB)
    tracemalloc.start()
    try:
        with pytest.raises(FileFormatError, match="more than 10 members; at most 10"):
            list(archive_members(io.BytesIO(data), limits))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # zipfile builds a ZipInfo of ~500 bytes per entry: 20 MB for these 40 000
    assert peak < 3 * len(data), peak


def test_the_cli_refuses_a_zip_bomb_and_writes_nothing(small_limit, tmp_path):
    path = tmp_path / "bomb.zip"
    path.write_bytes(bomb())
    before = on_disk(small_limit)
    result = CliRunner().invoke(main, ["import", small_limit, str(path)])
    assert result.exit_code == 1, result.output
    assert "bomb.zip: the archive unpacks to 67108864 bytes" in result.output
    assert "Nothing was imported." in result.output
    assert on_disk(small_limit) == before


def test_the_cli_refuses_a_member_inflating_like_a_bomb(small_limit, tmp_path):
    set_config(small_limit, max_unpacked_size=100 * MiB)
    path = tmp_path / "bomb.zip"
    path.write_bytes(bomb(members=1))
    before = on_disk(small_limit)
    result = CliRunner().invoke(main, ["import", small_limit, str(path)])
    assert result.exit_code == 1, result.output
    assert "100 times" in result.output and "Nothing was imported." in result.output
    assert on_disk(small_limit) == before


def test_a_zip_bomb_fetched_by_url_is_413_and_writes_nothing(client, small_limit, files):
    set_config(small_limit, allow_private_urls=True)
    files.add("/bomb.zip", bomb(), "application/zip")
    before = on_disk(small_limit)
    r = client.post(f"/api/project/import?url={files.url}/bomb.zip")
    assert_refused_as_too_large(r, "bomb.zip", "unpacks to 67108864 bytes")
    assert on_disk(small_limit) == before


def test_a_url_zip_inflating_like_a_bomb_is_413(client, small_limit, files):
    set_config(small_limit, allow_private_urls=True, max_unpacked_size=100 * MiB)
    files.add("/bomb.zip", bomb(members=1), "application/zip")
    before = on_disk(small_limit)
    r = client.post(f"/api/project/import?url={files.url}/bomb.zip")
    assert_refused_as_too_large(r, "bomb.zip", "100 times")
    assert on_disk(small_limit) == before


def test_an_ordinary_zip_of_json_and_images_still_imports(client, project_dir):
    rng = random.Random(3)
    tasks = [{"data": {"image": f"http://x/{i}.jpg"},
              "predictions": [{"result": [{"from_name": "label", "to_name": "image",
                                           "type": "rectanglelabels",
                                           "value": {"x": rng.random() * 100, "y": 5,
                                                     "width": 5, "height": 5,
                                                     "rectanglelabels": ["Car"]}}]}]}
             for i in range(15_000)]
    archive = make_zip([("tasks.json", json.dumps(tasks)), ("a.jpg", jpeg_bytes())])
    r = post_files(client, ("file", "ok.zip", archive))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["task_count"] == 15_001
    assert tasks_on_disk(project_dir)["15000"]["data"]["image"].endswith("-a.jpg")


def test_a_member_with_an_empty_name_is_a_clean_400(client, project_dir):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo(""), b"nameless")
    before = on_disk(project_dir)
    r = post_files(client, ("file", "nameless.zip", buffer.getvalue()))
    assert r.status_code == 400, r.get_json()
    assert r.get_json() == ['Failed to parse input file nameless.zip: member "" has an empty '
                            "name; the archive is refused"]
    assert on_disk(project_dir) == before
