"""Every ```python snippet of the README runs as written."""

import os
import re

import pytest

README = os.path.join(os.path.dirname(__file__), "..", "README.md")


def _snippets():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_readme_has_a_snippet_per_layer():
    text = "\n".join(_snippets())
    import keras_ae

    for name in keras_ae.layers.__all__:
        assert f"keras_ae.layers.{name}(" in text, f"the README shows no snippet of {name}"


@pytest.mark.parametrize("index", range(len(_snippets())))
def test_readme_snippet_runs(index, capsys):
    code = _snippets()[index]
    exec(compile(code, f"README.md snippet {index}", "exec"), {"__name__": "__readme__"})
