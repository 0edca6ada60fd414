"""Every docstring example of the package runs and prints what it says (house style rule 12).

The suite's one doctest: a module with `>>>` examples is found here, so no other test file
needs a copy of this test.
"""

import contextlib
import doctest
import importlib
import io
import pkgutil

import pytest

import keras_ae
import keras_ae.zoo


def _modules_with_examples():
    names = set()
    # keras_ae.zoo is the folder zoo/ (its own package-dir): an editable install does not put
    # it under keras_ae.__path__, so it is walked too.
    for package in (keras_ae, keras_ae.zoo):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            # The source is read, not imported: only the modules with examples get imported.
            origin = info.module_finder.find_spec(info.name).origin
            with open(origin, encoding="utf-8") as f:
                if ">>>" in f.read():
                    names.add(info.name)
    return sorted(names)


MODULES = _modules_with_examples()


@pytest.mark.parametrize("name", MODULES, ids=MODULES)
def test_docstring_examples(name):
    # import_module, not attribute access: `keras_ae.losses.info_nce` is the function, the
    # module of the same name lives in sys.modules.
    module = importlib.import_module(name)
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        result = doctest.testmod(module)
    assert result.attempted > 0, f"{name}: every example is skipped"
    assert result.failed == 0, report.getvalue()
