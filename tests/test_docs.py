"""README.md documents every CLI option and every API route (an undocumented one fails here)."""
import os
import re

import pytest

from label_studio.cli import main
from label_studio.server import create_app

README = os.path.join(os.path.dirname(os.path.dirname(__file__)), "README.md")


@pytest.fixture(scope="module")
def readme():
    with open(README, encoding="utf-8") as f:
        return f.read()


@pytest.mark.parametrize("command", ["init", "start"])
def test_every_visible_option_is_documented(readme, command):
    for param in main.commands[command].params:
        if getattr(param, "hidden", False) or not getattr(param, "opts", None):
            continue
        if param.param_type_name == "argument":
            continue
        long_names = [o for o in param.opts if o.startswith("--")]
        assert any(f"`{o}" in readme or f", {o}" in readme for o in long_names), long_names


def test_every_command_is_documented(readme):
    for name in main.commands:
        assert f"label-studio {name}" in readme, name


def test_every_api_route_is_documented(readme, project_dir):
    app = create_app(project_dir)
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule)
        if path.startswith("/static"):
            continue
        documented = path in readme or path.replace("<task_id>", "<id>").replace(
            "<completion_id>", "<cid>") in readme
        assert documented, path
