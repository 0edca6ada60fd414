import os

import keras
import numpy as np
import pytest
import tiny_models

from keras_ae.models import QuickThought
from keras_ae.text import WordPieceTokenizer


def _bag_of_words(name, vocabulary=50, length=8, dim=16):
    ids = keras.Input((length,), dtype="int32")
    h = keras.layers.Embedding(vocabulary, dim, mask_zero=True)(ids)
    return keras.Model(ids, keras.layers.GlobalAveragePooling1D()(h), name=name)


def _identity(dim):
    x = keras.Input((dim,))
    return keras.Model(x, keras.layers.Identity()(x))


def _strings(sentences, batch_size):
    """Strings go to `fit` through tf.data (Keras' array adapter takes no strings)."""
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices(sentences).batch(batch_size)


def _reference(u, v, context_size):
    """The Quick-Thought loss and accuracies written out, float64."""
    n = len(u)
    scores = u @ v.T
    losses, next_ok, prev_ok = [], [], []
    for i in range(n):
        row = scores[i].astype("float64").copy()
        row[i] = -np.inf
        logp = row - np.log(np.exp(row - row[np.isfinite(row)].max())[np.isfinite(row)].sum()) \
            - row[np.isfinite(row)].max()
        neighbours = [j for j in range(n) if 0 < abs(i - j) <= context_size]
        losses.append(-np.mean([logp[j] for j in neighbours]))
        for step, out in ((1, next_ok), (-1, prev_ok)):
            j = i + step
            if 0 <= j < n:
                others = [scores[i, k] for k in range(n) if abs(k - i) > 1]
                out.append(float(scores[i, j] > max(others)))
    return np.array(losses), np.mean(next_ok), np.mean(prev_ok)


@pytest.mark.parametrize("context_size", [1, 2])
def test_loss_and_accuracies_match_numpy(context_size):
    rng = np.random.default_rng(0)
    u, v = rng.normal(size=(2, 7, 4)).astype("float32")
    model = QuickThought(_identity(4), _identity(4), context_size=context_size)
    loss, (nc, nd), (pc, pd) = model.neighbour_losses(u, v)
    expected, next_acc, prev_acc = _reference(u, v, context_size)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loss), expected, rtol=1e-5)
    nc, nd, pc, pd = (keras.ops.convert_to_numpy(t) for t in (nc, nd, pc, pd))
    assert nd.tolist() == [1] * 6 + [0] and pd.tolist() == [0] + [1] * 6
    np.testing.assert_allclose(nc.sum() / nd.sum(), next_acc)
    np.testing.assert_allclose(pc.sum() / pd.sum(), prev_acc)


def test_perfect_scores_give_accuracy_one_and_ties_count_as_failures():
    # Sentence i's f is e_i + e_{i+1} + e_{i-1} against g = e_j: its neighbours score 1,
    # the rest 0. Both neighbours tie with each other, but each is only compared with
    # the non-neighbours, so both accuracies are 1.
    n = 6
    eye = np.eye(n, dtype="float32")
    u = np.clip(eye + np.eye(n, k=1) + np.eye(n, k=-1), 0, 1).astype("float32")
    model = QuickThought(_identity(n), _identity(n))
    _, (nc, nd), (pc, pd) = model.neighbour_losses(u, eye)
    assert keras.ops.convert_to_numpy(nc).sum() == 5 and keras.ops.convert_to_numpy(pc).sum() == 5
    # All scores equal: a tie everywhere is a failure everywhere.
    _, (nc, _), (pc, _) = model.neighbour_losses(np.ones((n, n), "float32"), eye)
    assert keras.ops.convert_to_numpy(nc).sum() == 0 and keras.ops.convert_to_numpy(pc).sum() == 0


def test_g_defaults_to_a_separate_copy_and_can_be_shared():
    f = _bag_of_words("f")
    model = QuickThought(f)
    assert model.g_encoder is not f and model.g_encoder.name == "f_g"
    assert len(model.trainable_variables) == 2 * len(f.trainable_variables)
    ids = np.random.default_rng(0).integers(1, 50, size=(4, 8))
    assert not np.allclose(keras.ops.convert_to_numpy(model.encode(ids, "f")),
                           keras.ops.convert_to_numpy(model.encode(ids, "g")))
    shared = QuickThought(f, f)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(shared.encode(ids, "f")),
                               keras.ops.convert_to_numpy(shared.encode(ids, "g")))
    assert tuple(model.encode(ids).shape) == (4, 32)


def test_a_shared_encoder_encodes_each_sentence_once():
    calls = []

    class Count(keras.layers.Layer):
        def call(self, x):
            calls.append(tuple(x.shape))
            return x

    def encoder():
        ids = keras.Input((8,), dtype="int32")
        h = Count()(keras.layers.Dropout(0.5)(keras.layers.Embedding(50, 16)(ids)))
        return keras.Model(ids, keras.layers.GlobalAveragePooling1D()(h))

    f = encoder()
    batch = np.random.default_rng(0).integers(1, 50, size=(6, 8))
    shared, separate = QuickThought(f, f), QuickThought(f, encoder())
    for model, encodings in ((shared, 1), (separate, 2)):
        calls.clear()
        model.training_loss(batch)
        assert len(calls) == encodings
        calls.clear()
        model(batch)
        model.encode(batch, batch_size=None)
        assert len(calls) == 2 * encodings
    f_batch = f(batch)
    expected = keras.ops.mean(shared.neighbour_losses(f_batch, f_batch)[0])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(shared.training_loss(batch,
                                                                               training=False)),
                               keras.ops.convert_to_numpy(expected), rtol=1e-6)


def test_shared_encoder_stays_shared_after_saving(tmp_path):
    f = _bag_of_words("f")
    model = QuickThought(f, f)
    assert len(model.trainable_variables) == len(f.trainable_variables)
    path = str(tmp_path / "shared.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.g_encoder is loaded.f_encoder
    ids = np.random.default_rng(0).integers(1, 50, size=(4, 8))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded.encode(ids)),
                               keras.ops.convert_to_numpy(model.encode(ids)), rtol=1e-6)


@pytest.fixture(scope="module")
def books():
    from tests.conftest import DATA_DIR

    out = {}
    for name in ("austen-emma", "carroll-alice"):
        with open(os.path.join(DATA_DIR, "gutenberg", f"{name}.txt"), encoding="utf-8") as f:
            out[name] = [line.strip() for line in f if line.strip()]
    return out


@pytest.mark.slow  # the default run must stay under 20 minutes on 2 cores
@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="a real-data run, once; the step itself is tested on every backend")
def test_learns_neighbours_on_real_text(books):
    import tensorflow as tf

    from keras_ae.text import learn_wordpiece_vocabulary

    train = books["austen-emma"][:4096]
    tokenizer = WordPieceTokenizer(learn_wordpiece_vocabulary(train, 2000), sequence_length=32)

    def encoder(name):
        ids = keras.Input((32,), dtype="int32")
        h = keras.layers.Embedding(tokenizer.vocabulary_size, 64, mask_zero=True)(ids)
        return keras.Model(ids, keras.layers.GlobalAveragePooling1D()(h), name=name)

    keras.utils.set_random_seed(0)
    model = QuickThought(encoder("f"), tokenizer=tokenizer)
    model.compile(optimizer=keras.optimizers.Adam(3e-2))
    batches = tf.data.Dataset.from_tensor_slices(train).batch(64, drop_remainder=True)
    history = model.fit(batches, epochs=4, verbose=0).history
    assert set(history) == {"loss", "next_accuracy", "previous_accuracy"}
    # Chance is about 1/62; on the training batches the neighbours are found well
    # above it (0.24 when measured, after 0.03 in the first epoch).
    assert history["next_accuracy"][-1] > 0.1, history
    assert history["previous_accuracy"][-1] > 0.1, history
    assert history["loss"][-1] < history["loss"][0]


def test_saved_model_encodes_raw_strings_like_the_original(tmp_path, books):
    tokenizer = WordPieceTokenizer(["[PAD]", "[UNK]", "the", "cat", "sat", "a", "dog"],
                                   sequence_length=8)
    model = QuickThought(_bag_of_words("f", vocabulary=7), tokenizer=tokenizer, context_size=2)
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    sentences = ["the cat sat", "a dog", "the dog sat", "a cat", "the cat"]
    model.fit(_strings(sentences, 5), epochs=1, verbose=0)
    path = str(tmp_path / "qt.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.tokenizer.vocabulary == tokenizer.vocabulary and loaded.context_size == 2
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded.encode(sentences)),
                               keras.ops.convert_to_numpy(model.encode(sentences)), atol=1e-6)


@pytest.mark.parametrize("shared", [False, True])
def test_preset_round_trip_on_raw_strings(tmp_path, shared):
    """A preset holds the tokenizer's vocabulary: it encodes raw strings as the original."""
    keras.utils.set_random_seed(0)
    tokenizer = WordPieceTokenizer(["[PAD]", "[UNK]", "the", "cat", "sat", "a", "dog"],
                                   sequence_length=8)
    f = _bag_of_words("f", vocabulary=7)
    model = QuickThought(f, f if shared else None, tokenizer=tokenizer)
    if keras.backend.backend() == "tensorflow":
        model.compile(optimizer="adam")  # saved as a copy without the optimizer
    path = model.save_to_preset(str(tmp_path / "qt"), metadata={"data": "a test"})
    loaded = QuickThought.from_preset(path)
    sentences = ["the cat sat", "a dog", "The Dog sat"]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded.encode(sentences)),
                               keras.ops.convert_to_numpy(model.encode(sentences)), atol=1e-6)
    assert loaded.tokenizer.vocabulary == tokenizer.vocabulary
    assert (loaded.g_encoder is loaded.f_encoder) == shared


def test_run_time_errors():
    tokenizer = WordPieceTokenizer(["[PAD]", "[UNK]", "the", "cat"], sequence_length=4)
    model = QuickThought(_bag_of_words("f", vocabulary=4, length=4), tokenizer=tokenizer,
                         context_size=2)
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    with pytest.raises(ValueError, match=r"sentences\[1\]"):
        model.encode(["the cat", ""])
    with pytest.raises(ValueError, match="empty"):
        model.encode([])
    with pytest.raises(ValueError, match="one str"):
        model.encode("the cat")
    with pytest.raises(Exception, match="context_size \\+ 2 = 4"):
        model.fit(_strings(["the", "cat", "the cat"], 3), epochs=1, verbose=0)
    with pytest.raises(Exception, match="empty sentence"):
        model.fit(_strings(["the", "cat", "", "the cat"], 4), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="encoder"):
        model.encode(["the"], encoder="h")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"f_encoder": "bag"}, "f_encoder"),
        ({"context_size": 0}, "context_size"),
        ({"context_size": True}, "context_size"),
        ({"g_encoder": 3}, "g_encoder"),
        ({"tokenizer": "wordpiece"}, "tokenizer"),
    ],
)
def test_errors(kwargs, message):
    args = {"f_encoder": _bag_of_words("f"), **kwargs}
    with pytest.raises(ValueError, match=message):
        QuickThought(**args)


def test_encoders_must_agree():
    with pytest.raises(ValueError, match="same size"):
        QuickThought(_bag_of_words("f", dim=8), _bag_of_words("g", dim=4))
