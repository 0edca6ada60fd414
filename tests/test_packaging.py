"""The wheel holds the package, the zoo as keras_ae.zoo, and its preset and judge files."""

import os
import subprocess
import sys
import zipfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def test_wheel_contents(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), "-q"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = [f for f in os.listdir(tmp_path) if f.endswith(".whl")]
    names = set(zipfile.ZipFile(tmp_path / wheel).namelist())
    for required in (
        "keras_ae/__init__.py",
        "keras_ae/layers/vector_quantizer.py",
        "keras_ae/zoo/__init__.py",
        "keras_ae/zoo/presets/README.md",
    ):
        assert required in names, f"{required} is missing from {wheel}"
    # Every subpackage of the source tree is listed in pyproject.toml.
    for folder, _, files in os.walk(os.path.join(ROOT, "keras_ae")):
        if "__init__.py" in files:
            module = os.path.relpath(os.path.join(folder, "__init__.py"), ROOT).replace(os.sep, "/")
            assert module in names, f"{module} is missing from {wheel}: list it in pyproject.toml"
    # Every shipped preset and judge file is in the wheel, so `from_preset(name)`
    # and `ConversionJudges.load` work from an installed package.
    for kind in ("presets", "judges"):
        shipped = os.path.join(ROOT, "zoo", kind)
        for folder, _, files in os.walk(shipped):
            for file in files:
                relative = os.path.relpath(os.path.join(folder, file), shipped)
                member = f"keras_ae/zoo/{kind}/{relative.replace(os.sep, '/')}"
                assert member in names, f"{member} is missing from {wheel}"
    assert "keras_ae/zoo/judges/fsdd_flite/word_judge.npz" in names
    assert not any(n.startswith(("tests/", "zoo/", "recipes/")) for n in names), sorted(names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "keras-ae = keras_ae.cli:main" in (
        zipfile.ZipFile(tmp_path / wheel).read(entry_points).decode())
