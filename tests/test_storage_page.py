"""The /storage page: a form per storage type, rendered from the storage-settings data, posting
to /api/project/storage-settings (the round trip of a masked secret too)."""
import json
import os
import re

import pytest

from conftest import set_config
from label_studio.storage.registry import TYPES
from storage_servers import start_server

PASSWORD = "hunter2-never-shown"


def page(client, query=""):
    answer = client.get("/storage" + query)
    assert answer.status_code == 200
    assert answer.mimetype == "text/html"
    return answer.get_data(as_text=True)


def form_of(html, name):
    """The <details> block of one storage type."""
    match = re.search(rf'<details class="ls-storage[^"]*" data-type="{re.escape(name)}".*?'
                      r"</details>", html, re.S)
    assert match, name
    return match.group(0)


def current_types(html):
    return re.findall(r'<details class="ls-storage ls-current" data-type="([^"]+)" open>', html)


def input_tag(block, name):
    [tag] = re.findall(rf'<input [^>]*name="{name}"[^>]*>', block)
    return tag


def test_every_type_has_its_form_with_its_fields(client):
    html = page(client)
    for name, storage_type in TYPES.items():
        block = form_of(html, name)
        assert (f'<form class="ls-storage-form" data-type="{name}" '
                f'data-role="{storage_type.role}">') in block
        for field in storage_type.fields:
            assert f'name="{field.name}"' in block, (name, field.name)
        assert f"Use {name}" in block
    assert "api/project/storage-settings?type=" in html and "storage_for=" in html


def test_fields_are_rendered_by_their_type_with_the_defaults(client):
    html = page(client)
    s3 = form_of(html, "s3")
    assert input_tag(s3, "use_blob_urls") == \
        '<input type="checkbox" name="use_blob_urls" value="true" checked>'
    assert 'value="us-east-1"' in input_tag(s3, "region")
    assert 'value="image"' in input_tag(s3, "data_key")  # the config's first data key
    assert "required" in input_tag(s3, "path") and "required" in input_tag(s3, "regex")
    assert "required" not in input_tag(s3, "prefix")
    redis = form_of(html, "redis-completions")
    assert input_tag(redis, "db") == '<input type="number" step="1" name="db" value="2">'
    assert 'type="password"' in input_tag(redis, "password")
    # the description's markup is dropped, its text kept
    assert "one data key only" in s3 and "<b>" not in s3


def test_the_current_types_are_marked(client, project_dir):
    html = page(client)
    assert current_types(html) == ["tasks-json", "completions-dir"]
    assert html.count('aria-current="true"') == 2
    set_config(project_dir, source={"name": "source", "type": "gcs", "path": "bkt",
                                    "params": {"regex": ".*"}},
               target={"name": "target", "type": "redis-completions", "path": "p",
                       "params": {"db": 4}})
    html = page(client)
    assert current_types(html) == ["gcs", "redis-completions"]
    assert 'value="bkt"' in input_tag(form_of(html, "gcs"), "path")
    assert 'value="4"' in input_tag(form_of(html, "redis-completions"), "db")
    assert 'value=""' in input_tag(form_of(html, "s3"), "path")  # not current: defaults


def test_secrets_are_masked_and_credentials_only_named(client, project_dir):
    set_config(project_dir,
               source={"name": "source", "type": "redis", "path": "p",
                       "params": {"password": PASSWORD, "db": 5}},
               target={"name": "target", "type": "s3-completions", "path": "b",
                       "params": {"aws_access_key_id": "AKIA-ID", "aws_secret_access_key":
                                  PASSWORD, "aws_session_token": PASSWORD}})
    html = page(client)
    assert PASSWORD not in html and "AKIA-ID" not in html
    assert input_tag(form_of(html, "redis"), "password") == \
        '<input type="password" name="password" value="***" autocomplete="off">'
    assert 'value=""' in input_tag(form_of(html, "redis-completions"), "password")
    s3 = form_of(html, "s3-completions")
    assert ("<code>aws_access_key_id</code>, <code>aws_secret_access_key</code>, "
            "<code>aws_session_token</code>") in s3


def test_values_are_html_escaped(client, project_dir):
    evil = '"><script>alert(1)</script>'
    set_config(project_dir, source={"name": "source", "type": "s3", "path": evil,
                                    "params": {"prefix": evil, "regex": evil,
                                               evil: "a param named like markup"}})
    html = page(client)
    assert "<script>alert(1)" not in html
    s3 = form_of(html, "s3")
    escaped = "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    assert input_tag(s3, "prefix") == \
        f'<input type="text" name="prefix" value="{escaped}" size="40">'
    assert f"<code>{escaped}</code>" in s3


def test_the_saved_message_names_only_a_role(client):
    assert "The source storage was changed." in page(client, "?saved=source")
    assert "The target storage was changed." in page(client, "?saved=target")
    assert "was changed" not in page(client, "?saved=<script>")


def test_every_plain_page_links_to_it(client):
    for path in ("/tasks", "/import", "/export", "/setup", "/model", "/storage"):
        assert '<a href="storage">Storage</a>' in client.get(path).get_data(as_text=True)


def test_storage_problems_are_shown(client, project_dir):
    set_config(project_dir, source={"name": "source", "type": "s3", "path": "bkt",
                                    "params": {"regex": "(["}})
    assert "not a valid regular expression" in page(client)


# ---------------------------------------------------------------- posting a form back


@pytest.fixture(scope="module")
def locked_redis():
    server = start_server("redis", password=PASSWORD)
    yield server
    server.stop()


def redis_form(server, password):
    """The body the page's script sends for the redis form."""
    return {"type": "redis", "path": "proj", "host": "127.0.0.1", "port": str(server.port),
            "password": password, "db": "5"}


def post_form(client, body):
    return client.post("/api/project/storage-settings?type=redis&storage_for=source",
                       json=body)


def stored_source(project_dir):
    with open(os.path.join(project_dir, "config.json")) as f:
        return json.load(f)["source"]


def test_a_form_posted_back_with_the_mask_keeps_the_stored_secret(client, project_dir,
                                                                   locked_redis):
    answer = post_form(client, redis_form(locked_redis, PASSWORD))
    assert answer.status_code == 201, answer.get_json()
    assert 'value="***"' in input_tag(form_of(page(client), "redis"), "password")
    answer = post_form(client, {**redis_form(locked_redis, "***"), "path": "renamed"})
    assert answer.status_code == 201, answer.get_json()
    source = stored_source(project_dir)
    assert source["path"] == "renamed" and source["params"]["password"] == PASSWORD


def test_the_mask_is_no_password_for_a_type_that_had_none(client, project_dir, redis_server):
    # "***" sent as a password would fail: this server has none
    answer = post_form(client, redis_form(redis_server, "***"))
    assert answer.status_code == 201, answer.get_json()
    assert stored_source(project_dir)["params"]["password"] is None
