import os
import subprocess
import sys

import pytest

from keras_ae import demo

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def test_demo_learns_on_real_data(data_dir, tmp_path, capsys):
    results = demo.run(data_path=os.path.join(data_dir, "fashion-mnist"), train_size=3000,
                       epochs=2, verbose=0, logdir=str(tmp_path / "logs"))
    out = capsys.readouterr().out
    assert "reconstruction MSE" in out and "codes in use" in out
    # Beats the mean training image by far, uses many codes, and its codes
    # carry class information well above chance (10%).
    assert results["mse"] < 0.5 * results["mean_image_mse"], results
    assert results["codes_used"] >= 16, results
    assert results["class_accuracy"] > 0.3, results
    assert os.listdir(tmp_path / "logs"), "no TensorBoard logs written"


def test_cli_rejects_bad_arguments():
    result = subprocess.run([sys.executable, "-m", "keras_ae", "demo", "--epochs", "0"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 2
    assert "epochs=0" in result.stderr


def test_cli_missing_data_says_where_to_get_it(tmp_path):
    env = {**os.environ, "KERAS_AE_DATA": str(tmp_path), "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "keras_ae", "demo", "--data", str(tmp_path)],
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert result.returncode == 1
    assert "zalandoresearch" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("argv", [["--help"]])
def test_cli_help(argv):
    result = subprocess.run([sys.executable, "-m", "keras_ae", *argv], capture_output=True,
                            text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0 and "demo" in result.stdout
