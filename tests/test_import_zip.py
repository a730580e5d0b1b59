"""ZIP archives: members imported by their own format; hostile archives refused whole."""
import io
import json
import os
import stat
import struct
import zipfile

import pytest

from conftest import folder_snapshot
from conftest import set_config
from test_import_files import jpeg_bytes, post_files, tasks_on_disk


def make_zip(members):
    """members: (name, bytes) or a ready ZipInfo with its bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def set_central_sizes(data, uncompressed):
    """Rewrites the uncompressed size every central directory entry declares."""
    data = bytearray(data)
    at = data.find(b"PK\x01\x02")
    while at != -1:
        struct.pack_into("<I", data, at + 24, uncompressed)
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def test_members_are_imported_by_their_format(client, project_dir):
    photo = jpeg_bytes()
    archive = make_zip([
        ("photos/a/cat.jpg", photo),
        ("tasks.json", json.dumps([{"data": {"image": "http://x/j.jpg"},
                                    "completions": [{"result": []}]}])),
        ("rows.csv", "image\nhttp://x/c.jpg\n"),
        ("urls.txt", "http://x/t1.jpg\nhttp://x/t2.jpg\n"),
        ("__MACOSX/photos/._cat.jpg", b"resource fork"),
        ("photos/.DS_Store", b"finder"),
        ("empty-folder/", b""),
    ])
    r = post_files(client, ("file", "bundle.zip", archive))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["task_count"] == 5 and body["completion_count"] == 1
    assert body["formats"] == {".zip": 1, ".jpg": 1, ".json": 1, ".csv": 1, ".txt": 1}
    values = [t["data"]["image"] for _, t in sorted(tasks_on_disk(project_dir).items())]
    assert values[1:] == ["http://x/j.jpg", "http://x/c.jpg", "http://x/t1.jpg", "http://x/t2.jpg"]
    [stored] = os.listdir(os.path.join(project_dir, "upload"))
    assert values[0] == f"/data/upload/{stored}" and stored.endswith("-cat.jpg")
    assert client.get(values[0]).data == photo


def test_an_imported_archive_writes_only_inside_upload(client, project_dir, tmp_path):
    before = folder_snapshot(str(tmp_path))
    archive = make_zip([("deep/nested/path/x.jpg", jpeg_bytes()), ("y.jpg", jpeg_bytes("blue"))])
    assert post_files(client, ("file", "a.zip", archive)).status_code == 201
    after = folder_snapshot(str(tmp_path))
    written = {f for f in after if after[f] != before.get(f)}
    upload = os.path.join(os.path.basename(project_dir), "upload")
    assert len([f for f in written if os.path.dirname(f) == upload]) == 2
    project_files = {os.path.join(os.path.basename(project_dir), name)
                     for name in ("tasks.json", "source.json", ".ls-state.json", ".ls.lock")}
    assert {f for f in written if os.path.dirname(f) != upload} <= project_files


@pytest.mark.parametrize("member,reason", [
    ("../evil.jpg", '".." step'),
    ("photos/../../evil.jpg", '".." step'),
    ("/etc/evil.jpg", "absolute path"),
    ("C:\\evil.jpg", "absolute path"),
])
def test_zip_slip_archives_are_refused_and_nothing_is_written(client, project_dir, tmp_path,
                                                              member, reason):
    before = folder_snapshot(str(tmp_path))
    archive = make_zip([("ok.jpg", jpeg_bytes()), (member, jpeg_bytes("blue"))])
    r = post_files(client, ("file", "slip.zip", archive))
    assert r.status_code == 400
    [message] = r.get_json()
    assert message.startswith("Failed to parse input file slip.zip:") and reason in message
    assert folder_snapshot(str(tmp_path)) == before


def test_a_symlink_member_is_refused(client, project_dir, tmp_path):
    link = zipfile.ZipInfo("link.jpg")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(link, "/etc/passwd")
    before = folder_snapshot(str(tmp_path))
    r = post_files(client, ("file", "links.zip", buffer.getvalue()))
    assert r.status_code == 400
    assert "is a link or a device" in r.get_json()[0]
    assert folder_snapshot(str(tmp_path)) == before


def test_a_zip_bomb_is_refused_by_its_unpacked_size(client, project_dir, tmp_path):
    set_config(project_dir, max_unpacked_size=1_000_000)
    bomb = make_zip([("zeros.txt", b"0" * 20_000_000)])
    assert len(bomb) < 100_000
    before = folder_snapshot(str(tmp_path))
    r = post_files(client, ("file", "bomb.zip", bomb))
    assert r.status_code == 413
    assert r.get_json()["detail"] == ('bomb.zip: the archive unpacks to 20000000 bytes; at most '
                                      '1000000 are allowed ("max_unpacked_size" in config.json)')
    assert folder_snapshot(str(tmp_path)) == before


def test_a_zip_declaring_terabytes_is_refused_with_the_default_limit(client, project_dir):
    forged = set_central_sizes(make_zip([("a.jpg", jpeg_bytes()), ("b.jpg", jpeg_bytes())]),
                               0xF0000000)
    before = folder_snapshot(project_dir)
    r = post_files(client, ("file", "forged.zip", forged))
    assert r.status_code == 413
    assert "at most 209715200 are allowed" in r.get_json()["detail"]
    assert folder_snapshot(project_dir) == before


def test_a_member_larger_than_it_declares_is_refused(client, project_dir):
    lying = set_central_sizes(make_zip([("big.jpg", b"\0" * 2_000_000)]), 10)
    before = folder_snapshot(project_dir)
    r = post_files(client, ("file", "lying.zip", lying))
    assert r.status_code == 400
    assert "Bad CRC-32" in r.get_json()[0]
    assert folder_snapshot(project_dir) == before


def test_too_many_members_are_refused(client, project_dir):
    set_config(project_dir, max_archive_members=3)
    archive = make_zip([(f"{i}.jpg", jpeg_bytes()) for i in range(4)])
    r = post_files(client, ("file", "many.zip", archive))
    assert r.status_code == 400
    assert "the archive has more than 3 members; at most 3 are allowed" in r.get_json()[0]


def test_nested_archives_are_refused(client, project_dir):
    inner = make_zip([("a.jpg", jpeg_bytes())])
    before = folder_snapshot(project_dir)
    r = post_files(client, ("file", "outer.zip", make_zip([("x.jpg", jpeg_bytes()),
                                                          ("inner.zip", inner)])))
    assert r.status_code == 400
    assert r.get_json() == ["outer.zip/inner.zip: archives inside archives are not supported"]
    assert folder_snapshot(project_dir) == before


def test_a_bad_member_names_the_archive_and_the_member(client, project_dir):
    r = post_files(client, ("file", "a.zip", make_zip([("sub/bad.json", b"[{")])))
    assert r.status_code == 400
    assert r.get_json()[0].startswith("Failed to parse input file a.zip/sub/bad.json: invalid JSON")


def test_a_file_that_is_not_a_zip_is_refused(client, project_dir):
    r = post_files(client, ("file", "fake.zip", b"not a zip at all"))
    assert r.status_code == 400
    assert "it is not a valid ZIP archive" in r.get_json()[0]
