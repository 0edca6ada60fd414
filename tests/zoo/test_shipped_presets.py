"""The presets shipped in the zoo: they load, they keep their layout, and they
reproduce the numbers in their model cards."""

import json
import os

import numpy as np
import pytest
from make_golden_layouts import GOLDEN
from make_golden_layouts import weights_layout

import keras_ae
from keras_ae.data import FLITE_VOICES
from keras_ae.data import SPOKEN_DIGIT_SPEAKERS
from keras_ae.data import fashion_mnist
from keras_ae.data import fsdd
from keras_ae.data import gutenberg
from keras_ae.data import spoken_digits
from keras_ae.evaluation import linear_probe
from keras_ae.evaluation import next_sentence_retrieval
from keras_ae.evaluation import pooled_features
from keras_ae.zoo import fashion_mnist as zoo
from keras_ae.zoo import fsdd as speech_zoo
from keras_ae.zoo import gutenberg as text_zoo
from keras_ae.zoo import voice_conversion as voice_zoo

IMAGE = (28, 28, 1)


def _fresh_quick_thought():
    """The zoo's Quick-Thought with the shipped vocabulary (the vocabulary is data)."""
    shipped = keras_ae.models.QuickThought.from_preset("quickthought_gutenberg")
    return text_zoo.quick_thought(shipped.tokenizer)


def _fresh_summarizer(name, document_length):
    """The zoo's summarizer with the shipped vocabulary (the vocabulary is data) and the
    recipe's sizes."""
    from keras_ae.zoo import summarization

    shipped = keras_ae.models.Seq2Seq2SeqSummarizer.from_preset(name)
    return summarization.summarizer(shipped.vocabulary, document_length=document_length,
                                    max_length=8, min_length=8, embedding_dim=64, units=128)


SHIPPED = {
    # name: (class, zoo builder, one input's shape)
    "vqvae_fashion_mnist": (keras_ae.models.VQVAE, zoo.vqvae, IMAGE),
    "autoencoder_fashion_mnist": (keras_ae.models.AutoEncoder, zoo.autoencoder, IMAGE),
    "binary_autoencoder_fashion_mnist": (keras_ae.models.DiscreteAutoEncoder,
                                         zoo.binary_autoencoder, IMAGE),
    "gumbel_autoencoder_fashion_mnist": (keras_ae.models.DiscreteAutoEncoder,
                                         zoo.gumbel_autoencoder, IMAGE),
    "dim_fashion_mnist": (keras_ae.models.DeepInfoMax, zoo.deep_info_max, IMAGE),
    "cpc_fsdd": (keras_ae.models.CPC, speech_zoo.cpc, (speech_zoo.CROP_LENGTH,)),
    # Takes raw strings and builds itself: nothing to call.
    "quickthought_gutenberg": (keras_ae.models.QuickThought, _fresh_quick_thought, None),
    "adversarial_vc_fsdd_flite": (
        keras_ae.models.AdversarialVoiceConverter,
        lambda: voice_zoo.adversarial_voice_converter(SPOKEN_DIGIT_SPEAKERS), None),
    "adain_vc_fsdd_flite": (
        keras_ae.models.AdaINVoiceConverter,
        lambda: voice_zoo.adain_voice_converter(SPOKEN_DIGIT_SPEAKERS), None),
    "vq_vc_fsdd_flite": (
        keras_ae.models.VQVoiceConverter,
        lambda: voice_zoo.vq_voice_converter(SPOKEN_DIGIT_SPEAKERS, num_codes=32, code_dim=16,
                                             jitter=0.12, instance_norm=True,
                                             decoder_adain=True), None),
    "summarizer_debian": (keras_ae.models.Seq2Seq2SeqSummarizer,
                          lambda: _fresh_summarizer("summarizer_debian", 40), None),
    "summarizer_bbc": (keras_ae.models.Seq2Seq2SeqSummarizer,
                       lambda: _fresh_summarizer("summarizer_bbc", 40), None),
}
VOICE_CONVERTERS = ("adversarial_vc_fsdd_flite", "adain_vc_fsdd_flite", "vq_vc_fsdd_flite")
LABELS = {"adversarial_vc_fsdd_flite": "alternating", "adain_vc_fsdd_flite": "adain",
          "vq_vc_fsdd_flite": "vq"}
AUTOENCODERS = sorted(k for k in SHIPPED if SHIPPED[k][0] in (
    keras_ae.models.VQVAE, keras_ae.models.AutoEncoder, keras_ae.models.DiscreteAutoEncoder))
# The cards give the MSE on all 10,000 test images; the first 1,000 are a
# sample of them, whose MSE differs by sampling alone by a few percent.
SUBSET, RELATIVE_TOLERANCE = 1000, 0.10


def test_all_presets_are_shipped():
    assert sorted(keras_ae.presets.list_presets()) == sorted(SHIPPED)


@pytest.mark.parametrize("name", AUTOENCODERS)
def test_loads_and_reproduces_its_card(name, data_dir):
    cls, _, _ = SHIPPED[name]
    model = cls.from_preset(name)
    metadata = keras_ae.presets.list_presets()[name]
    x, _ = fashion_mnist("test", path=os.path.join(data_dir, "fashion-mnist"), limit=SUBSET)
    mse = float(np.mean((model.predict(x, batch_size=500, verbose=0) - x) ** 2))
    card = metadata["metrics"]["test_mse"]
    assert mse == pytest.approx(card, rel=RELATIVE_TOLERANCE), (mse, card)
    with open(os.path.join(keras_ae.presets.builtin_presets_dir(), name, "README.md")) as f:
        assert str(card) in f.read()


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_weights_layout_is_unchanged(name, tmp_path):
    """Golden layouts: renaming or reshaping a variable breaks users' weights."""
    with open(os.path.join(GOLDEN, f"{name}.json")) as f:
        golden = json.load(f)
    shipped = weights_layout(os.path.join(keras_ae.presets.builtin_presets_dir(), name,
                                          "model.weights.h5"))
    assert shipped == golden, "the shipped weights file changed layout"
    _, build, input_shape = SHIPPED[name]
    model = build()
    if input_shape is not None:
        model(np.zeros((1, *input_shape), "float32"))
    model.save_weights(str(tmp_path / "fresh.weights.h5"))
    # Seed generators' states are saved since models resume exactly; files
    # without them (the presets made before) load all the same.
    def without_seeds(layout):
        return [entry for entry in layout if "seed_generator_state_" not in entry[0]]

    fresh = without_seeds(weights_layout(tmp_path / "fresh.weights.h5"))
    assert fresh == without_seeds(golden), (
        "the zoo architecture no longer matches the shipped weights' layout")
    model.load_weights(os.path.join(keras_ae.presets.builtin_presets_dir(), name,
                                    "model.weights.h5"))


def _dim_probe(data_dir, train_size, test_size):
    model = keras_ae.models.DeepInfoMax.from_preset("dim_fashion_mnist")
    folder = os.path.join(data_dir, "fashion-mnist")
    x_train, y_train = fashion_mnist("train", path=folder, limit=train_size)
    x_test, y_test = fashion_mnist("test", path=folder, limit=test_size)
    features = [model.predict(x, batch_size=500, verbose=0) for x in (x_train, x_test)]
    return linear_probe(features[0], y_train, features[1], y_test)


def test_dim_preset_representation_is_as_good_as_its_card(data_dir):
    """A probe trained on a sixth of the training images (10,000) comes within
    two points of the card's accuracy, which used all 60,000."""
    card = keras_ae.presets.list_presets()["dim_fashion_mnist"]["metrics"]
    accuracy = _dim_probe(data_dir, 10000, None)
    assert accuracy > card["probe_accuracy_dim_y"] - 0.02, (accuracy, card)
    assert accuracy > card["probe_accuracy_random_encoder_y"], (accuracy, card)


@pytest.mark.slow
def test_dim_preset_reproduces_its_card(data_dir):
    card = keras_ae.presets.list_presets()["dim_fashion_mnist"]["metrics"]
    accuracy = _dim_probe(data_dir, None, None)
    assert accuracy == pytest.approx(card["probe_accuracy_dim_y"], abs=0.005), (accuracy, card)


@pytest.mark.slow  # 66 s on 2 cores: over the default run's budget
def test_cpc_preset_reproduces_its_card(data_dir):
    """The shipped CPC's pooled context features give the card's speaker and
    digit probe accuracies on the standard split (the probe is seeded, so
    only float rounding in the features can move them)."""
    card = keras_ae.presets.list_presets()["cpc_fsdd"]["metrics"]
    model = keras_ae.models.CPC.from_preset("cpc_fsdd")
    folder = os.path.join(data_dir, "fsdd")
    train_clips, train_digits, train_speakers = fsdd("train", path=folder)
    test_clips, test_digits, test_speakers = fsdd("test", path=folder)
    features = [pooled_features(model.encode, clips, model.frame_count)
                for clips in (train_clips, test_clips)]
    for task, train_labels, test_labels in (("speaker", train_speakers, test_speakers),
                                            ("digit", train_digits, test_digits)):
        # The recipe's probe: 500 epochs.
        accuracy = linear_probe(features[0], train_labels, features[1], test_labels, epochs=500)
        expected = card[f"{task}_accuracy_cpc"]
        assert accuracy == pytest.approx(expected, abs=0.01), (task, accuracy, expected)
        assert accuracy > card[f"{task}_accuracy_log_mel"] - 0.01, (task, accuracy, card)


def test_quick_thought_preset_reproduces_its_card(data_dir):
    """The shipped Quick-Thought encodes raw strings and gives the card's
    next-sentence retrieval on the held-out Alice."""
    card = keras_ae.presets.list_presets()["quickthought_gutenberg"]["metrics"]
    model = keras_ae.models.QuickThought.from_preset("quickthought_gutenberg")
    alice = gutenberg(["carroll-alice"], path=os.path.join(data_dir, "gutenberg"))["carroll-alice"]
    scores = next_sentence_retrieval(model.encode, alice)
    assert scores["top1"] == pytest.approx(card["alice_top1_quick_thought"], abs=0.002), scores
    assert scores["mrr"] == pytest.approx(card["alice_mrr_quick_thought"], abs=0.002), scores
    assert scores["mrr"] > card["alice_mrr_random_word_vectors"], (scores, card)


def _voice_common():
    """The voice recipes' shared module (the evaluation the cards were made with)."""
    import sys

    recipes = os.path.join(os.path.dirname(__file__), "..", "..", "recipes")
    if recipes not in sys.path:
        sys.path.insert(0, os.path.abspath(recipes))
    import voice_common

    return voice_common


@pytest.mark.parametrize("name", VOICE_CONVERTERS)
def test_voice_preset_gives_its_golden_outputs(name):
    """The content code of a fixed clip is the one the recipe wrote in the card."""
    cls = SHIPPED[name][0]
    model = cls.from_preset(name)
    metadata = keras_ae.presets.list_presets()[name]
    golden = metadata["golden"]
    content = model.encode_content([_voice_common().golden_input()])[0]
    assert content.shape[0] == golden["content_frames"]
    np.testing.assert_allclose(content.mean(0)[:8], golden["content_mean_first_8_channels"],
                               atol=2e-4)
    assert model.speakers == SPOKEN_DIGIT_SPEAKERS and model.sampling_rate == 8000


@pytest.mark.parametrize("name", VOICE_CONVERTERS)
def test_voice_preset_converts_real_speech(name, data_dir):
    model = SHIPPED[name][0].from_preset(name)
    waves, _, speakers, _ = spoken_digits("test", os.path.join(data_dir, "fsdd"),
                                          os.path.join(data_dir, "flite-speech"))
    clips = [waves[0], waves[-1]]  # george and kal16
    converted = model.convert(clips, "slt")
    assert [len(c) for c in converted] == [len(c) for c in clips]
    assert all(np.all(np.isfinite(c)) and np.abs(c).max() < 4 for c in converted)


def test_shipped_judges_label_the_test_takes_as_recorded(data_dir):
    """The voice recipes' judges load and label the real test takes (all 500) with the
    accuracy `recipes/judges_fsdd_flite.py` printed and recorded."""
    judges_dir = _voice_common().JUDGES
    with open(os.path.join(judges_dir, "judges.json"), encoding="utf-8") as f:
        recorded = json.load(f)["test_accuracy"]
    judges = keras_ae.evaluation.ConversionJudges.load(judges_dir)
    assert judges.speakers == tuple(SPOKEN_DIGIT_SPEAKERS)
    waves, digits, speakers, _ = spoken_digits("test", os.path.join(data_dir, "fsdd"),
                                               os.path.join(data_dir, "flite-speech"))
    assert judges.speaker_judge.accuracy(waves, speakers) == pytest.approx(
        recorded["speaker"], abs=0.002)
    assert judges.word_judge.accuracy(waves, digits) == pytest.approx(recorded["digit"],
                                                                      abs=0.002)


@pytest.mark.slow  # converts and judges 900 clips (about a minute on 2 cores)
@pytest.mark.parametrize("name", VOICE_CONVERTERS)
def test_voice_preset_reproduces_its_card(name, data_dir):
    """The shipped judges (`zoo/judges/fsdd_flite`, which the recipes score
    with) score the shipped model as its card says, within 0.01 (9 of the 900
    conversions: the machine's float rounding, in the model, Griffin-Lim and
    the judges, is all that can move them)."""
    import types

    recipe = _voice_common()
    card = keras_ae.presets.list_presets()[name]["metrics"]
    label = LABELS[name]
    model = SHIPPED[name][0].from_preset(name)
    data = recipe.Data(types.SimpleNamespace(data=data_dir, train_size=None, test_size=None,
                                             seed=0))
    judges = recipe.judges(data, types.SimpleNamespace(train_size=None, seed=0))
    waves, digits, speakers, takes = data.evaluation
    scores = keras_ae.evaluation.conversion_scores(model, judges, waves, digits, speakers,
                                                   takes, references=FLITE_VOICES)
    for key in ("target_share", "word_kept"):
        assert scores[key] == pytest.approx(card[f"{label}_{key}"], abs=0.01), (key, scores)
    assert scores["mcd_db"] == pytest.approx(card[f"{label}_mcd_db"], abs=0.5), scores


@pytest.mark.slow  # encodes flite's 800 sentences
def test_vq_preset_reproduces_its_code_phone_mapping(data_dir):
    """Codes mapped to phones on sentences 0–159 label 160–199 as the card says
    (no training: the mapping is a count, so only float rounding can move it)."""
    from keras_ae.data import flite_alignments
    from keras_ae.data import flite_speech
    from keras_ae.data import phone_labels
    from keras_ae.evaluation import code_phone_mapping

    card = keras_ae.presets.list_presets()["vq_vc_fsdd_flite"]["metrics"]
    model = keras_ae.models.VQVoiceConverter.from_preset("vq_vc_fsdd_flite")
    path = os.path.join(data_dir, "flite-speech")
    alignments = flite_alignments(path)

    def coded(split):
        waves, ids, voices, _ = flite_speech(split, "sentences", path=path)
        codes = model.encode(waves)
        files = [f"sentences/{FLITE_VOICES[v]}_{i:03d}.wav" for v, i in zip(voices, ids)]
        return codes, [phone_labels(alignments[f], len(c)) for f, c in zip(files, codes)]

    accuracy, _ = code_phone_mapping(*coded("train"), *coded("test"))
    assert accuracy == pytest.approx(card["vq_code_phone_accuracy"], abs=0.005)


@pytest.mark.parametrize("name", ["summarizer_debian", "summarizer_bbc"])
def test_summarizer_preset_reproduces_its_card(name, data_dir):
    """Greedy summaries of the test split score the card's ROUGE (the same computation:
    only float rounding may move a word), and stand where the card says against Lead-8
    without stopwords."""
    from keras_ae.data import bbc_news
    from keras_ae.data import debian_descriptions
    from keras_ae.evaluation import rouge

    model = keras_ae.models.Seq2Seq2SeqSummarizer.from_preset(name)
    card = keras_ae.presets.list_presets()[name]["metrics"]
    if name == "summarizer_debian":
        documents, references, _ = debian_descriptions(
            "test", path=os.path.join(data_dir, "debian-descriptions"))
    else:
        documents, references, _ = bbc_news("test",
                                            path=os.path.join(data_dir, "bbc-news-summary"))
    summaries = model.summarize(documents, batch_size=256)
    scores = rouge(summaries, references)
    for key in ("rouge1", "rouge2", "rougeL"):
        assert scores[key] == pytest.approx(card[f"model_{key}"], abs=0.3), key
    bar = card["lead_8_without_stopwords_rouge1"]
    assert (scores["rouge1"] > bar) == (card["model_rouge1"] > bar)
