"""The Data Manager page (`/tasks`) in headless Chromium against a live server: tasks shown,
tabs, filters, ordering, selection, bulk actions and labeling a task, checked on disk.

Needs both bundles (`label-studio setup-frontend`), Debian's chromium + chromium-driver and
selenium; skipped where one is missing."""
import json
import os

import pytest
import requests

from conftest import LiveServer, make_project, set_config
from label_studio import dm_assets, frontend_assets
import test_browser
from test_browser import CHROMEDRIVER, CHROMIUM, TEXT_CONFIG, WAIT, choose, wait_for

pytestmark = [
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium/chromedriver missing"),
    pytest.mark.skipif(not (frontend_assets.bundle_ready() and dm_assets.bundle_ready()),
                       reason="run label-studio setup-frontend"),
]

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

TEXTS = ["I love it", "Meh", "I hate it"]
browser = test_browser.browser  # the same headless Chromium fixture


@pytest.fixture
def server(tmp_path):
    path = make_project(str(tmp_path / "text"), label_config=TEXT_CONFIG)
    set_config(path, experimental_features=True)
    live = LiveServer(path).start()
    tasks = [{"data": {"text": text}} for text in TEXTS]
    tasks[1]["predictions"] = [{"result": [{
        "from_name": "sentiment", "to_name": "text", "type": "choices",
        "value": {"choices": ["Neutral"]}}], "score": 0.5}]
    assert requests.post(live.url + "/api/project/import", json=tasks).status_code == 201
    yield live
    live.stop()


def read_json(server, *parts):
    path = os.path.join(server.project, *parts)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def shown(browser):
    """The task texts in the table, top to bottom (read in one script: the DM re-renders)."""
    return browser.execute_script("""
        const cells = [...document.querySelectorAll("#ls-dm *")].filter(
            e => e.children.length === 0 && arguments[0].includes(e.textContent.trim()));
        cells.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
        return cells.map(e => e.textContent.trim());""", TEXTS)


def wait(browser):
    return WebDriverWait(browser, WAIT, ignored_exceptions=(StaleElementReferenceException,))


def until_shown(browser, expected):
    wait(browser).until(lambda b: shown(b) == expected, f"the table to show {expected}")


def open_dm(browser, server):
    browser.get(server.url + "/tasks")
    until_shown(browser, TEXTS)


def button(browser, text):
    return wait(browser).until(ec.element_to_be_clickable(
        (By.XPATH, f"//button[normalize-space()='{text}']")))


def js_click(browser, element):
    browser.execute_script("arguments[0].click()", element)


def select_rows(browser, indexes):
    """Tick the row checkboxes (0 = first row); the DM re-renders the rows after each tick,
    so each box is looked up afresh."""
    script = 'return [...document.querySelectorAll("#ls-dm input[type=checkbox]")].slice(1)'
    for done, index in enumerate(indexes, 1):
        browser.execute_script(script + "[arguments[0]].click()", index)
        wait(browser).until(lambda b: b.execute_script(
            script + ".filter(box => box.checked).length") == done)


def run_action(browser, title):
    """The DM shows one button per action once rows are selected; each asks to confirm."""
    button(browser, title).click()
    button(browser, "OK").click()


def test_the_page_shows_the_tasks_and_the_plain_table_stays_at_tasks_old(browser, server):
    open_dm(browser, server)
    WebDriverWait(browser, WAIT).until(ec.text_to_be_present_in_element(
        (By.ID, "ls-dm"), "Tasks: 3 / 3"))
    browser.get(server.url + "/tasks-old")
    WebDriverWait(browser, WAIT).until(ec.text_to_be_present_in_element(
        (By.CSS_SELECTOR, ".ls-tasks"), "3 tasks, 0 completed"))


def test_create_a_tab(browser, server):
    open_dm(browser, server)
    js_click(browser, browser.find_element(By.CSS_SELECTOR, "button.ant-tabs-nav-add"))
    wait_for(lambda: len((read_json(server, "tabs.json") or {}).get("tabs", [])) == 2,
             "a second tab in tabs.json")


# The 0.9.1 DM bundle names a filter "filter:tasks:<field>" (singular), which the server takes
# like "filters:tasks:<field>".
def test_filter(browser, server):
    open_dm(browser, server)
    button(browser, "Filters").click()
    button(browser, "Add filter").click()
    field = WebDriverWait(browser, WAIT).until(ec.element_to_be_clickable(
        (By.CSS_SELECTOR, ".ant-dropdown input.ant-input, .ant-popover input.ant-input")))
    field.send_keys("i")
    until_shown(browser, ["I love it", "I hate it"])
    items = wait_for(lambda: (read_json(server, "tabs.json") or {"tabs": [{}]})["tabs"][0]
                     .get("filters", {}).get("items"), "the filter saved in tabs.json")
    assert items[0]["filter"].endswith(":tasks:data.text") and items[0]["value"] == "i"


def test_sort(browser, server):
    open_dm(browser, server)
    button(browser, "Sort order").click()
    WebDriverWait(browser, WAIT).until(ec.element_to_be_clickable(
        (By.XPATH, "//li[contains(@class, 'ant-menu-item')][normalize-space()='text']"))).click()
    until_shown(browser, ["I hate it", "I love it", "Meh"])
    wait_for(lambda: (read_json(server, "tabs.json") or {"tabs": [{}]})["tabs"][0]
             .get("ordering") == ["tasks:data.text"], "the ordering saved in tabs.json")


def test_select_rows_and_delete_them(browser, server):
    open_dm(browser, server)
    select_rows(browser, [0, 2])
    run_action(browser, "Delete tasks")
    until_shown(browser, ["Meh"])
    assert sorted(t["id"] for t in read_json(server, "tasks.json").values()) == [1]


def test_predictions_to_completions(browser, server):
    open_dm(browser, server)
    select_rows(browser, [1])
    run_action(browser, "Predictions => completions")
    wait_for(lambda: read_json(server, "completions", "1.json"), "completions/1.json")
    completion = read_json(server, "completions", "1.json")["completions"][0]
    assert completion["result"][0]["value"]["choices"] == ["Neutral"]


def test_label_button_labels_the_tasks_in_the_editor(browser, server):
    open_dm(browser, server)
    button(browser, "Label").click()
    WebDriverWait(browser, WAIT).until(lambda b: b.execute_script(
        "return Boolean(window.Htx) && !window.Htx.isLoading"))
    text = WebDriverWait(browser, WAIT).until(lambda b: next(
        (t for t in TEXTS if b.find_elements(By.XPATH, f"//*[normalize-space()='{t}']")), None))
    choose(browser, "Positive")
    button(browser, "Submit").click()
    task_id = TEXTS.index(text)
    record = wait_for(lambda: read_json(server, "completions", f"{task_id}.json"),
                      f"completions/{task_id}.json")
    assert record["completions"][0]["result"][0]["value"]["choices"] == ["Positive"]
