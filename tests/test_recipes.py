"""Every recipe runs end to end on a few real images and writes a loadable preset."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import keras_ae
from keras_ae.cli import _recipes

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CLASSES = {
    "vqvae_fashion_mnist": keras_ae.models.VQVAE,
    "autoencoder_fashion_mnist": keras_ae.models.AutoEncoder,
    "binary_autoencoder_fashion_mnist": keras_ae.models.DiscreteAutoEncoder,
    "gumbel_autoencoder_fashion_mnist": keras_ae.models.DiscreteAutoEncoder,
    "dim_fashion_mnist": keras_ae.models.DeepInfoMax,
    "cpc_fsdd": keras_ae.models.CPC,
    "quickthought_gutenberg": keras_ae.models.QuickThought,
    "adversarial_vc_fsdd_flite": keras_ae.models.AdversarialVoiceConverter,
    "adain_vc_fsdd_flite": keras_ae.models.AdaINVoiceConverter,
    "vq_vc_fsdd_flite": keras_ae.models.VQVoiceConverter,
    "summarizer_debian": keras_ae.models.Seq2Seq2SeqSummarizer,
    "summarizer_bbc": keras_ae.models.Seq2Seq2SeqSummarizer,
}
# The metric each recipe's card is about.
HEADLINE = {
    "dim_fashion_mnist": "probe_accuracy_dim_y",
    "cpc_fsdd": "unseen_speaker_digit_accuracy_cpc",
    "quickthought_gutenberg": "alice_mrr_quick_thought",
    "adversarial_vc_fsdd_flite": "alternating_target_share",
    "adain_vc_fsdd_flite": "adain_target_share",
    "vq_vc_fsdd_flite": "vq_target_share",
    "summarizer_debian": "model_rouge1",
    "summarizer_bbc": "model_rouge1",
}
# Smoke runs of a minute or more on 2 cores: run with -m slow.
SLOW = ("cpc_fsdd", "adversarial_vc_fsdd_flite", "adain_vc_fsdd_flite", "vq_vc_fsdd_flite",
        "summarizer_debian", "summarizer_bbc")


def test_every_recipe_is_known():
    assert sorted(_recipes()) == sorted(CLASSES)


@pytest.mark.parametrize("recipe", [
    pytest.param(r, marks=pytest.mark.slow) if r in SLOW else r for r in sorted(CLASSES)])
def test_recipe_smoke_run(recipe, tmp_path, data_dir):
    output = tmp_path / recipe
    env = {**os.environ, "KERAS_AE_DATA": data_dir, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [sys.executable, "-m", "keras_ae", "train", recipe, "--epochs", "1",
         "--train-size", "256", "--test-size", "100", "--output", str(output),
         "--logdir", str(tmp_path / "logs")],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    line = next(s for s in result.stdout.splitlines() if s.startswith("METRICS "))
    metrics = json.loads(line[len("METRICS "):])
    numbers = [v for v in metrics.values() if isinstance(v, (int, float))]
    assert numbers and all(np.isfinite(numbers))
    assert HEADLINE.get(recipe, "test_mse") in metrics
    with open(output / "metadata.json", encoding="utf-8") as f:
        metadata = json.load(f)
    assert metadata["metrics"] == metrics
    assert "--train-size 256" in metadata["recipe"]
    assert (output / "README.md").read_text().count(recipe) >= 2
    model = CLASSES[recipe].from_preset(str(output))
    assert model.count_params() == metadata["parameter_count"]
    assert os.listdir(tmp_path / "logs")


def test_a_model_built_after_the_arguments_starts_from_the_same_weights(monkeypatch):
    """The voice recipes build their model before training starts: the seed is set when
    the arguments are parsed, so that two runs of one command start alike."""
    import keras

    monkeypatch.syspath_prepend(os.path.join(ROOT, "recipes"))
    import common

    from keras_ae.zoo import voice_conversion as vc

    weights = []
    for seed in (3, 3, 4):
        monkeypatch.setattr(sys, "argv", ["recipe", "--seed", str(seed)])
        common.parse_args("vq_vc_fsdd_flite", epochs=1, description="")
        keras.random.normal((3,))  # a draw in between, as a recipe's data loading may make
        model = vc.vq_voice_converter(["a", "b"], num_codes=8, code_dim=4, channels=8,
                                      blocks=1)
        weights.append(model.get_weights())
    for a, b in zip(weights[0], weights[1]):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(weights[0], weights[2]))
