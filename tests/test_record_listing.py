"""Listing a completions folder: the usual folder of `<digits>.json` files is read in a few
passes over all its names; any other folder, file by file. Both give the same listing."""
import os

import pytest

from label_studio.storage import record_listing
from label_studio.storage.record_listing import list_records

ODD_NAMES = {
    "plain": [],
    "an id written twice": ["07.json"],
    "names that are no record": [".json", "x.json", "1.json.json", "12.json3", "1 .json",
                                 "\u00b23.json", "notes.txt"],
    "a temp file": [".ls-tmp-5.json"],
    "a subfolder": ["sub/40.json", "sub/7.json"],
    "an id beyond 64 bits": [f"{2 ** 63}.json"],
}


def make_folder(root, extra):
    os.makedirs(root)
    for name in ["7.json", "10.json", "123456789.json"] + extra:
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("{}")


@pytest.mark.parametrize("case", sorted(ODD_NAMES))
def test_every_folder_is_listed_as_name_by_name(tmp_path, monkeypatch, case):
    root = str(tmp_path / "completions")
    make_folder(root, ODD_NAMES[case])
    taken = []
    plain = record_listing._plain_records
    monkeypatch.setattr(record_listing, "_plain_records",
                        lambda *args: taken.append(plain(*args)) or taken[-1])
    found, folders = list_records(root)
    assert taken == [case == "plain"]

    monkeypatch.setattr(record_listing, "_plain_records", lambda *args: False)
    assert (found, folders) == list_records(root)
    assert {7, 10, 123456789} <= set(found) and 2 ** 63 not in found
    assert found[10] == (None, os.stat(os.path.join(root, "10.json")).st_ino)


def test_a_record_named_beyond_64_bits_is_no_record_of_a_project(tmp_path):
    # its id crashed the open (numpy's int64 columns), and the server with it
    import json
    from conftest import make_project
    from label_studio.project import Project
    project_dir = make_project(str(tmp_path / "p"))
    Project(project_dir).import_tasks([{"data": {"image": "a.jpg"}}])
    for name in (f"{2 ** 64}.json", "0.json"):
        with open(os.path.join(project_dir, "completions", name), "w") as f:
            json.dump({"completions": [{"id": 1, "result": []}]}, f)
    assert Project(project_dir).summary()["completion_count"] == 1
