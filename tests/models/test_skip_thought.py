import keras
import numpy as np
import pytest
import tiny_models

from keras_ae.models import SkipThought
from keras_ae.text import WordPieceTokenizer

VOCABULARY = ["[PAD]", "[UNK]", "the", "cat", "sat", "a", "dog", "ran", "."]


def _encoder(vocabulary=9, length=5, dim=6):
    ids = keras.Input((length,), dtype="int32")
    h = keras.layers.Embedding(vocabulary, 4, mask_zero=True)(ids)
    return keras.Model(ids, keras.layers.GRU(dim)(h), name="encoder")


def _softmax_cross_entropy(logits, target):
    logits = logits - logits.max()
    return np.log(np.exp(logits).sum()) - logits[target]


def test_loss_is_the_neighbours_token_cross_entropy():
    keras.utils.set_random_seed(0)
    model = SkipThought(_encoder(), vocabulary_size=9, decoder_units=5, embedding_dim=3)
    ids = np.array([[2, 3, 4, 0, 0], [5, 6, 7, 8, 0], [2, 6, 0, 0, 0], [5, 3, 4, 8, 0]], "int32")
    loss = model.training_loss(ids, training=False)
    logs = {k: float(keras.ops.convert_to_numpy(v)) for k, v in model.training_logs().items()}
    losses, accuracy = {"previous": logs["previous_loss"], "next": logs["next_loss"]}, \
        logs["token_accuracy"]
    embeddings = keras.ops.convert_to_numpy(model.encoder(ids))
    for side, step in (("previous", -1), ("next", 1)):
        terms = []
        for i in range(4):
            j = i + step
            if not 0 <= j < 4:
                continue  # the edge sentence has no neighbour on this side
            logits = keras.ops.convert_to_numpy(
                model.decode_logits(side, embeddings[i:i + 1], ids[j:j + 1]))[0]
            for t, token in enumerate(ids[j]):
                if token:
                    terms.append(_softmax_cross_entropy(logits[t].astype("float64"), token))
        np.testing.assert_allclose(float(losses[side]), np.mean(terms), rtol=1e-5)
    np.testing.assert_allclose(float(loss), float(losses["previous"]) + float(losses["next"]),
                               rtol=1e-6)
    assert 0 <= float(accuracy) <= 1


def test_decoders_read_the_target_shifted_right():
    model = SkipThought(_encoder(), vocabulary_size=9, decoder_units=5, embedding_dim=3)
    embeddings = np.zeros((1, 6), "float32")
    a = keras.ops.convert_to_numpy(
        model.decode_logits("next", embeddings, np.array([[2, 3, 4, 5, 6]])))
    b = keras.ops.convert_to_numpy(
        model.decode_logits("next", embeddings, np.array([[2, 3, 7, 7, 7]])))
    # Position t sees the targets before t only: changing tokens from 2 on
    # leaves positions 0..2 unchanged.
    np.testing.assert_allclose(a[:, :3], b[:, :3], atol=1e-6)
    assert not np.allclose(a[:, 3:], b[:, 3:])


def test_trains_and_saved_model_encodes_raw_strings(tmp_path):
    import tensorflow as tf

    tokenizer = WordPieceTokenizer(VOCABULARY, sequence_length=5)
    keras.utils.set_random_seed(0)
    model = SkipThought(_encoder(), decoder_units=8, embedding_dim=4, tokenizer=tokenizer)
    assert model.vocabulary_size == 9
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    story = ["the cat sat .", "a dog ran .", "the dog sat .", "a cat ran ."] * 4
    batches = tf.data.Dataset.from_tensor_slices(story).batch(8)
    history = model.fit(batches, epochs=30, verbose=0).history
    assert set(history) == {"loss", "previous_loss", "next_loss", "token_accuracy"}
    # The story repeats: the neighbours become predictable.
    assert history["loss"][-1] < 0.5 * history["loss"][0], history["loss"]
    assert history["token_accuracy"][-1] > 0.6  # 0.79 when measured; chance 1/9
    path = str(tmp_path / "st.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded.encode(story[:4])),
                               keras.ops.convert_to_numpy(model.encode(story[:4])), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"encoder": "gru"}, "encoder"),
        ({"vocabulary_size": None}, "vocabulary_size"),
        ({"decoder_units": 0}, "decoder_units"),
        ({"embedding_dim": 1.5}, "embedding_dim"),
        ({"tokenizer": "wordpiece"}, "tokenizer"),
    ],
)
def test_errors(kwargs, message):
    args = {"encoder": _encoder(), "vocabulary_size": 9, **kwargs}
    with pytest.raises(ValueError, match=message):
        SkipThought(**args)


def test_run_time_errors():
    import tensorflow as tf

    tokenizer = WordPieceTokenizer(VOCABULARY, sequence_length=5)
    model = SkipThought(_encoder(), tokenizer=tokenizer, decoder_units=4, embedding_dim=2)
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    with pytest.raises(ValueError, match="non-empty"):
        model.encode([])
    with pytest.raises(Exception, match="empty sentence"):
        model.fit(tf.data.Dataset.from_tensor_slices(["the cat", "", "a dog"]).batch(3),
                  epochs=1, verbose=0)
    with pytest.raises(Exception, match="at least"):
        model.fit(tf.data.Dataset.from_tensor_slices(["the cat", "a dog"]).batch(2),
                  epochs=1, verbose=0)
    with pytest.raises(ValueError, match="loss"):
        model.compile(optimizer="adam", loss="mse")
