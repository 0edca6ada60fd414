import keras
import numpy as np
import pytest

from keras_ae.layers import WeightedBagOfWords
from keras_ae.testing import run_layer_test


def test_layer_checks():
    run_layer_test(WeightedBagOfWords, {"vocabulary_size": 5, "output_dim": 3,
                                        "token_weights": [0.0, 1.0, 2.0, 0.5, 1.5]},
                   input_shape=(2, 6), input_dtype="int32", expected_output_shape=(2, 3),
                   expected_num_trainable_weights=2, run_training_check=False)


def test_layer_checks_with_a_fixed_projection():
    run_layer_test(WeightedBagOfWords, {"vocabulary_size": 5, "output_dim": 3,
                                        "trainable_embeddings": False, "adapter_rank": 2},
                   input_shape=(2, 6), input_dtype="int32", expected_output_shape=(2, 3),
                   expected_num_trainable_weights=3, expected_num_non_trainable_weights=1,
                   run_training_check=False)


def test_fixed_projection_is_rebuilt_from_the_seed_and_not_saved(tmp_path):
    layer = WeightedBagOfWords(30, 16, trainable_embeddings=False, seed=3, adapter_rank=4)
    again = WeightedBagOfWords(30, 16, trainable_embeddings=False, seed=3)
    other = WeightedBagOfWords(30, 16, trainable_embeddings=False, seed=4)
    table = keras.ops.convert_to_numpy(layer.embeddings)
    np.testing.assert_array_equal(table, np.random.default_rng(3).standard_normal(
        (30, 16), dtype="float32"))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(again.embeddings), table)
    assert not np.allclose(keras.ops.convert_to_numpy(other.embeddings), table)
    ids = np.random.default_rng(0).integers(0, 30, size=(5, 7))
    # The adapter starts at zero: the output is the plain projection's.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(ids)),
                               keras.ops.convert_to_numpy(again(ids)), rtol=1e-6)
    layer.adapter[0].assign(np.random.default_rng(1).normal(size=(30, 4)))
    inputs = keras.Input((7,), dtype="int32")
    model = keras.Model(inputs, layer(inputs))
    model.save_weights(str(tmp_path / "m.weights.h5"))
    import h5py
    with h5py.File(tmp_path / "m.weights.h5") as f:
        shapes = []
        f.visititems(lambda name, obj: shapes.append(obj.shape)
                     if isinstance(obj, h5py.Dataset) else None)
    # Token weights, the adapter and the dropout seed; no (30, 16) table.
    assert sorted(shapes) == sorted([(30,), (30, 4), (4, 16), (2,)])
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(ids)),
                               keras.ops.convert_to_numpy(model(ids)), rtol=1e-5)


def test_matches_numpy_and_ignores_padding():
    rng = np.random.default_rng(0)
    weights = rng.uniform(0.5, 2.0, size=7).astype("float32")
    layer = WeightedBagOfWords(7, 4, token_weights=weights)
    ids = np.array([[1, 3, 3, 0, 0], [6, 2, 5, 4, 1], [2, 0, 0, 0, 0]])
    table = keras.ops.convert_to_numpy(layer.embeddings)
    expected = np.stack([sum(weights[t] * table[t] for t in row if t) for row in ids])
    # A sum of float32 terms of size ~1 can cancel to ~1e-3 (the embeddings are drawn unseeded),
    # so a relative tolerance alone fails on rounding; compare at float32 precision of the terms.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(ids)), expected,
                               rtol=1e-5, atol=1e-5)
    # Padding contributes nothing, whatever its weight and embedding.
    assert np.allclose(keras.ops.convert_to_numpy(layer(np.zeros((1, 5), "int32"))), 0.0)


def test_idf_weights_make_it_a_random_projection_of_tfidf():
    """Untrained, the cosine of two sentences follows their TF-IDF cosine."""
    rng = np.random.default_rng(1)
    vocabulary, n = 400, 60
    idf = rng.uniform(1.0, 5.0, size=vocabulary).astype("float32")
    idf[0] = 0
    ids = rng.integers(1, vocabulary, size=(n, 12))
    ids[1::2, :6] = ids[0::2, :6]  # pairs of sentences share half their words
    keras.utils.set_random_seed(0)
    vectors = keras.ops.convert_to_numpy(WeightedBagOfWords(vocabulary, 1024, idf)(ids))
    tfidf = np.zeros((n, vocabulary))
    for row, sentence in enumerate(ids):
        for t in sentence:
            tfidf[row, t] += idf[t]

    def cosines(x):
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        return (x @ x.T)[np.triu_indices(n, 1)]

    assert np.corrcoef(cosines(vectors), cosines(tfidf))[0, 1] > 0.9


def test_token_dropout_only_in_training():
    layer = WeightedBagOfWords(50, 8, token_dropout=0.5)
    ids = np.random.default_rng(2).integers(1, 50, size=(64, 20))
    inference = keras.ops.convert_to_numpy(layer(ids))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(ids, training=False)), inference)
    dropped = keras.ops.convert_to_numpy(layer(ids, training=True))
    assert not np.allclose(dropped, inference)
    # About half the tokens are gone: the sums shrink by about half.
    ratio = np.linalg.norm(dropped, axis=1).mean() / np.linalg.norm(inference, axis=1).mean()
    assert 0.55 < ratio < 0.85, ratio


@pytest.mark.parametrize("trainable_embeddings", [True, False])
def test_fit_trains_the_weights_of_the_tokens_seen(trainable_embeddings):
    keras.utils.set_random_seed(0)
    layer = WeightedBagOfWords(10, 4, trainable_embeddings=trainable_embeddings,
                               adapter_rank=0 if trainable_embeddings else 2)
    ids = keras.Input((3,), dtype="int32")
    model = keras.Model(ids, keras.layers.Dense(1)(layer(ids)))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = [keras.ops.convert_to_numpy(v).copy() for v in layer.variables]
    model.fit(np.array([[1, 2, 0], [2, 3, 0]]), np.array([[1.0], [-1.0]]), epochs=1,
              verbose=0)
    after = {v.name: keras.ops.convert_to_numpy(v) for v in layer.variables}
    moved = {name: np.abs(after[name] - b).reshape(len(b), -1).sum(axis=1) > 0
             for name, b in zip(after, before)}
    # Only the rows of the ids in the batch move; padding (0) and unseen ids do not.
    assert moved["token_weights"].tolist() == [False, True, True, True] + [False] * 6
    if trainable_embeddings:
        assert moved["embeddings"].tolist() == [False, True, True, True] + [False] * 6
    else:
        assert not moved["projection"].any()  # fixed
        assert moved["adapter_a"].tolist() == [False, True, True, True] + [False] * 6


def test_config_keeps_the_initial_weights():
    layer = WeightedBagOfWords(4, 2, token_weights=[0.0, 1.0, 2.0, 3.0], token_dropout=0.1)
    copy = WeightedBagOfWords.from_config(layer.get_config())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(copy.weights_per_token), [0, 1, 2, 3])
    assert copy.token_dropout == 0.1 and copy.output_dim == 2


@pytest.mark.parametrize("kwargs, message", [
    ({"vocabulary_size": 1, "output_dim": 2}, "vocabulary_size"),
    ({"vocabulary_size": 5, "output_dim": 0}, "output_dim"),
    ({"vocabulary_size": 5, "output_dim": 2, "token_weights": [1.0, 2.0]}, r"shape \(5,\)"),
    ({"vocabulary_size": 2, "output_dim": 2, "token_weights": [1.0, np.nan]}, "finite"),
    ({"vocabulary_size": 5, "output_dim": 2, "token_dropout": 1.0}, "token_dropout"),
    ({"vocabulary_size": 5, "output_dim": 2, "adapter_rank": 2}, "trainable_embeddings=False"),
    ({"vocabulary_size": 5, "output_dim": 2, "trainable_embeddings": "no"}, "bool"),
    ({"vocabulary_size": 5, "output_dim": 2, "seed": -1}, "seed"),
])
def test_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WeightedBagOfWords(**kwargs)
