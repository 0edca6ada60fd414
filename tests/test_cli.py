import os
import subprocess
import sys

import numpy as np
import pytest

from keras_ae import demo
from keras_ae.cli import main

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


@pytest.mark.slow  # the default run must stay under 20 minutes on 2 cores
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


def test_convert_resamples_and_writes_a_wav(tmp_path, capsys):
    import tiny_models

    from keras_ae.data import read_wav
    from keras_ae.data import write_wav

    model = tiny_models.build("adain_vc")
    folder = model.save_to_preset(str(tmp_path / "preset"))
    t = np.arange(16000) / 16000
    write_wav(tmp_path / "in.wav", (0.3 * np.sin(2 * np.pi * 220 * t)).astype("float32"), 16000)
    write_wav(tmp_path / "voice.wav", (0.3 * np.sin(2 * np.pi * 150 * t[:8000])).astype(
        "float32"), 8000)
    out = tmp_path / "out.wav"
    assert main(["convert", folder, "--source", str(tmp_path / "in.wav"), "--target",
                 str(tmp_path / "voice.wav"), "--output", str(out)]) == 0
    samples, rate = read_wav(out)
    assert rate == 8000 and len(samples) == 8000  # 1 s, resampled from 16 kHz
    assert "Wrote" in capsys.readouterr().out
    # A speaker it does not know: the known ones are listed, nothing is written.
    assert main(["convert", folder, "--source", str(tmp_path / "in.wav"), "--target", "zed",
                 "--output", str(tmp_path / "no.wav")]) == 1
    assert "['a', 'b', 'c']" in capsys.readouterr().err
    assert not (tmp_path / "no.wav").exists()


def test_convert_refuses_a_preset_that_is_not_a_converter(tmp_path, capsys):
    from keras_ae.data import write_wav

    write_wav(tmp_path / "in.wav", np.zeros(4000, "float32"), 8000)
    assert main(["convert", "vqvae_fashion_mnist", "--source", str(tmp_path / "in.wav"),
                 "--target", "slt", "--output", str(tmp_path / "out.wav")]) == 1
    assert "not a voice converter" in capsys.readouterr().err


def test_summarize_prints_a_summary_per_file(tmp_path, capsys, monkeypatch):
    import io

    import tiny_models

    model = tiny_models.build("summarizer")
    folder = model.save_to_preset(str(tmp_path / "preset"))
    (tmp_path / "a.txt").write_text("w1 w2 w3 w4 w5", encoding="utf-8")
    (tmp_path / "b.txt").write_text("w7 w3 w9", encoding="utf-8")
    assert main(["summarize", folder, str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = model.summarize(["w1 w2 w3 w4 w5", "w7 w3 w9"])
    assert lines == [f"{tmp_path / 'a.txt'}\t{expected[0]}", f"{tmp_path / 'b.txt'}\t{expected[1]}"]
    monkeypatch.setattr("sys.stdin", io.StringIO("w1 w2 w3 w4 w5"))
    assert main(["summarize", folder, "-", "--max-length", "1"]) == 0
    assert capsys.readouterr().out.strip() == expected[0].split()[0]
    assert main(["summarize", folder, str(tmp_path / "a.txt"), "--beam-width", "3"]) == 0
    assert capsys.readouterr().out.strip() == model.summarize(["w1 w2 w3 w4 w5"],
                                                              beam_width=3)[0]
    assert main(["summarize", folder, str(tmp_path / "a.txt"), "--beam-width", "0"]) == 1
    assert "beam_width" in capsys.readouterr().err
    # An empty document, a preset that is not a summarizer: a message and exit 1.
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    assert main(["summarize", folder, str(tmp_path / "empty.txt")]) == 1
    assert "no words" in capsys.readouterr().err
    assert main(["summarize", "vqvae_fashion_mnist", str(tmp_path / "a.txt")]) == 1
    assert "not a summarizer" in capsys.readouterr().err
