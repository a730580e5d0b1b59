"""The plain pages: /tasks, /import, /export and /setup (their scripts run in test_browser.py)."""
import html
import re

from conftest import BBOX_CONFIG


def rows(page_html):
    return re.findall(r'<a href="\./\?task_id=(\d+)">', page_html)


def test_tasks_page_lists_a_page_of_tasks_with_links_to_label_them(client):
    client.post("/api/project/import", json=[{"image": f"{i}.jpg"} for i in range(35)])
    client.post("/api/tasks/7/completions", json={"result": []})
    first = client.get("/tasks-old").get_data(as_text=True)
    assert rows(first) == [str(i) for i in range(30)]
    assert "35 tasks, 1 completed" in first and "Page 1 of 2" in first
    second = client.get("/tasks-old?page=2").get_data(as_text=True)
    assert rows(second) == ["30", "31", "32", "33", "34"]
    latest = client.get("/tasks-old?order=-completed_at").get_data(as_text=True)
    assert rows(latest)[0] == "7"
    fallback = client.get("/tasks-old?page=x&order=nonsense").get_data(as_text=True)
    assert rows(fallback) == rows(first)
    assert rows(client.get("/tasks-old?page=99").get_data(as_text=True)) == []


def test_tasks_page_escapes_task_data(client):
    client.post("/api/project/import", json=[{"image": "<script>alert(1)</script>"}])
    page = client.get("/tasks-old").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_import_page_has_the_upload_and_url_forms(client):
    page = client.get("/import").get_data(as_text=True)
    assert 'type="file" name="FileUpload"' in page and 'name="url"' in page
    assert "api/project/import" in page and "<code>image</code>" in page


def test_export_page_links_every_fitting_format(client):
    client.post("/api/project/import", json=[{"image": "a.jpg"}])
    client.post("/api/tasks/0/completions", json={"result": []})
    page = client.get("/export").get_data(as_text=True)
    links = re.findall(r'href="(api/project/export\?format=[^"]+)"', page)
    names = [link.split("=", 1)[1] for link in links]
    assert names == client.get("/api/project/export/formats").json["formats"]
    assert "COCO" in names and "VOC" in names
    download = client.get("/" + html.unescape(links[0]))
    assert download.status_code == 200 and download.mimetype == "application/zip"


def test_setup_page_shows_the_current_config_escaped(client):
    page = client.get("/setup").get_data(as_text=True)
    [shown] = re.findall(r'<textarea name="config"[^>]*>(.*?)</textarea>', page, re.S)
    assert "<View>" not in shown and html.unescape(shown) == BBOX_CONFIG
    assert 'action="render-label-studio"' in page and "api/project/config" in page
