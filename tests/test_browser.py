"""End to end in a real browser: headless Chromium labels tasks through the LSF bundle, our glue
and a live server, and the completions land on disk.

Needs `label-studio setup-frontend`, Debian's chromium + chromium-driver and selenium
(.ci/run installs all three); skipped where one is missing."""
import json
import os
import shutil
import time

import pytest

from conftest import LiveServer, make_project
from label_studio import frontend_assets

TEXT_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single-radio">
    <Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>
  </Choices>
</View>
"""
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
pytestmark = [
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium/chromedriver missing"),
    pytest.mark.skipif(not frontend_assets.bundle_ready(), reason="run label-studio setup-frontend"),
]

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

WAIT = 30


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # a profile of its own in pytest's temp folder: Chromium's default one stays in /tmp
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1600,1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def server(tmp_path):
    path = make_project(str(tmp_path / "text"), label_config=TEXT_CONFIG)
    live = LiveServer(path).start()
    import requests
    requests.post(live.url + "/api/project/import",
                  json=[{"text": "I love it"}, {"text": "Meh"}, {"text": "I hate it"}])
    yield live
    live.stop()


def record(server, task_id):
    path = os.path.join(server.project, "completions", f"{task_id}.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def wait_for(condition, what):
    deadline = time.time() + WAIT
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def task_shown(browser, task_id):
    WebDriverWait(browser, WAIT).until(ec.text_to_be_present_in_element(
        (By.CSS_SELECTOR, ".ls-task-info"), f"Task ID: {task_id}"))
    # LSF keeps its buttons busy for at least 0.5 s after a submit or skip
    WebDriverWait(browser, WAIT).until(lambda b: b.execute_script(
        "return Boolean(window.Htx) && !window.Htx.isSubmitting && !window.Htx.isLoading"))


def choose(browser, text):
    for label in browser.find_elements(By.CSS_SELECTOR, "label.ant-radio-wrapper"):
        if " ".join(label.text.split()).startswith(text):
            label.click()
            return
    raise AssertionError(f"no choice {text!r} on the page")


def click(browser, selector):
    WebDriverWait(browser, WAIT).until(ec.element_to_be_clickable(
        (By.CSS_SELECTOR, selector))).click()


def choices_of(completion):
    return [item["value"]["choices"] for item in completion["result"]]


def test_label_stream_submit_skip_then_no_more_tasks(browser, server):
    browser.get(server.url + "/")
    task_shown(browser, 0)
    choose(browser, "Positive")
    click(browser, ".ls-submit-btn")
    saved = wait_for(lambda: record(server, 0), "task 0's completion on disk")
    [completion] = saved["completions"]
    assert choices_of(completion) == [["Positive"]]
    assert completion["id"] >= 1 and completion["lead_time"] > 0

    task_shown(browser, 1)
    click(browser, ".ls-skip-btn")
    skipped = wait_for(lambda: record(server, 1), "task 1's skip on disk")
    assert skipped["completions"][0]["was_cancelled"] is True

    task_shown(browser, 2)
    choose(browser, "Negative")
    click(browser, ".ls-submit-btn")
    wait_for(lambda: record(server, 2), "task 2's completion on disk")
    WebDriverWait(browser, WAIT).until(ec.text_to_be_present_in_element(
        (By.TAG_NAME, "body"), "No more data available for labeling"))


def test_explore_a_task_update_and_delete_its_completion(browser, server):
    import requests
    answer = requests.post(server.url + "/api/tasks/0/completions", json={"result": [
        {"from_name": "sentiment", "to_name": "text", "type": "choices",
         "value": {"choices": ["Positive"]}}], "lead_time": 1})
    completion_id = answer.json()["id"]

    browser.get(server.url + "/?task_id=0")
    task_shown(browser, 0)
    choose(browser, "Neutral")
    click(browser, ".ls-update-btn")
    wait_for(lambda: choices_of(record(server, 0)["completions"][0]) == [["Neutral"]],
             "the update on disk")
    assert [c["id"] for c in record(server, 0)["completions"]] == [completion_id]

    task_shown(browser, 0)
    trash = WebDriverWait(browser, WAIT).until(lambda b: [
        button for button in b.find_elements(By.CSS_SELECTOR, "button")
        if button.find_elements(By.CSS_SELECTOR, "span.anticon-delete") and button.is_displayed()])
    trash[0].click()
    confirm = WebDriverWait(browser, WAIT).until(lambda b: [
        button for button in b.find_elements(By.CSS_SELECTOR, "button")
        if button.text.strip() == "Delete" and button.is_displayed()])
    confirm[0].click()
    wait_for(lambda: not (record(server, 0) or {}).get("completions"), "the delete on disk")
    assert not requests.get(server.url + "/api/tasks/0").json().get("completions")


def test_a_task_with_a_prediction_starts_from_it(browser, server):
    import requests
    requests.post(server.url + "/api/project/import", json=[{
        "data": {"text": "Predicted"}, "predictions": [{"score": 0.9, "result": [
            {"from_name": "sentiment", "to_name": "text", "type": "choices",
             "value": {"choices": ["Negative"]}}]}]}])
    for task_id in (0, 1, 2):  # label the others first so the predicted task comes next
        requests.post(server.url + f"/api/tasks/{task_id}/completions", json={"result": []})
    browser.get(server.url + "/")
    task_shown(browser, 3)
    click(browser, ".ls-submit-btn")
    saved = wait_for(lambda: record(server, 3), "task 3's completion on disk")
    assert choices_of(saved["completions"][0]) == [["Negative"]]


def test_the_config_preview_renders_the_editor(browser, server):
    from urllib.parse import urlencode
    browser.get(server.url + "/render-label-studio?" + urlencode({"config": TEXT_CONFIG}))
    WebDriverWait(browser, WAIT).until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, ".ls-editor")))
    choose(browser, "Neutral")  # the choices are there and can be toggled
    assert not browser.find_elements(By.CSS_SELECTOR, ".ls-submit-btn")


def test_import_a_file_from_the_import_page(browser, server, tmp_path):
    upload = tmp_path / "more.csv"
    upload.write_text("text\nFrom the page\nAnd another\n")
    browser.get(server.url + "/import")
    browser.find_element(By.CSS_SELECTOR, 'input[name="FileUpload"]').send_keys(str(upload))
    browser.find_element(By.CSS_SELECTOR, "#ls-import-files button").click()
    WebDriverWait(browser, WAIT).until(ec.text_to_be_present_in_element(
        (By.ID, "ls-import-result"), "Imported 2 tasks"))
    with open(os.path.join(server.project, "tasks.json")) as f:
        texts = [task["data"]["text"] for task in json.load(f).values()]
    assert texts[-2:] == ["From the page", "And another"]


def test_the_setup_page_saves_a_config_or_shows_why_not(browser, server):
    browser.get(server.url + "/setup")
    area = browser.find_element(By.CSS_SELECTOR, 'textarea[name="config"]')
    area.clear()
    area.send_keys('<View><Text name="text" value="$text"/>'
                   '<Choices name="sentiment" toName="nowhere"><Choice value="A"/></Choices></View>')
    browser.find_element(By.ID, "ls-save").click()
    WebDriverWait(browser, WAIT).until(ec.text_to_be_present_in_element(
        (By.ID, "ls-setup-result"), "Not saved"))
    assert "nowhere" in browser.find_element(By.ID, "ls-setup-result").text
    with open(os.path.join(server.project, "config.xml")) as f:
        assert f.read() == TEXT_CONFIG

    new_config = TEXT_CONFIG.replace('<Choice value="Neutral"/>',
                                     '<Choice value="Neutral"/><Choice value="Mixed"/>')
    area.clear()
    area.send_keys(new_config)
    browser.find_element(By.ID, "ls-save").click()
    WebDriverWait(browser, WAIT).until(ec.text_to_be_present_in_element(
        (By.ID, "ls-setup-result"), "Saved."))
    with open(os.path.join(server.project, "config.xml")) as f:
        assert "Mixed" in f.read()


def test_connect_a_backend_and_train_from_the_model_page(browser, server, ml_backend):
    import requests
    requests.post(server.url + "/api/tasks/0/completions", json={"result": []})
    browser.get(server.url + "/model")
    field = browser.find_element(By.CSS_SELECTOR, 'input[name="ml_backend"]')
    field.send_keys(f"stub={ml_backend.url}")
    browser.find_element(By.CSS_SELECTOR, "#ls-add-backend button").click()
    # the page reloads with the backend's row (before that, the table says none is connected)
    WebDriverWait(browser, WAIT).until(ec.text_to_be_present_in_element(
        (By.TAG_NAME, "tbody"), f"stub {ml_backend.url} connected"))
    click(browser, "#ls-train")
    WebDriverWait(browser, WAIT).until(ec.text_to_be_present_in_element(
        (By.ID, "ls-model-result"), "Training started."))
    [train] = ml_backend.calls("train")
    assert train["body"]["project"] == "stub" and len(train["body"]["completions"]) == 1
