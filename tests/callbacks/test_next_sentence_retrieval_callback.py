import keras
import numpy as np
import pytest

from keras_ae.callbacks import NextSentenceRetrieval
from keras_ae.evaluation import next_sentence_retrieval

BOOK = [f"sentence {i} about {'cats' if i % 3 else 'dogs'} number {i % 7}" for i in range(120)]


def _letters(sentences):
    """A fixed embedding: letter counts."""
    return np.array([[s.count(c) for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
                     for s in sentences], "float32")


def _fit(callbacks, epochs=4):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    return model.fit(x, x[:, :1], epochs=epochs, verbose=0, callbacks=callbacks)


def test_logs_the_scores_for_early_stopping():
    callback = NextSentenceRetrieval(BOOK, queries=40, encode=_letters)
    stop = keras.callbacks.EarlyStopping(monitor="val_next_sentence_mrr", mode="max",
                                         patience=1)
    history = _fit([callback, stop])
    expected = next_sentence_retrieval(_letters, BOOK, queries=40)
    assert history.history["val_next_sentence_mrr"][0] == pytest.approx(expected["mrr"])
    assert history.history["val_next_sentence_top1"][0] == pytest.approx(expected["top1"])
    # The embedding never changes: no improvement after the first epoch.
    assert len(history.history["loss"]) == 2
    assert [epoch for epoch, _ in callback.history] == [0, 1]


def test_uses_the_models_encode_and_every_n_epochs():
    class WithEncode(keras.Model):
        def encode(self, sentences):
            return _letters(sentences)

    keras.utils.set_random_seed(0)
    inputs = keras.Input((3,))
    model = WithEncode(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    callback = NextSentenceRetrieval(BOOK, prefix="book", queries=500, every_n_epochs=2)
    assert callback.queries == len(BOOK) - 1  # capped at the book
    x = np.ones((4, 3), "float32")
    history = model.fit(x, x[:, :1], epochs=4, verbose=0, callbacks=[callback])
    assert [epoch for epoch, _ in callback.history] == [1, 3]
    assert "book_mrr" in history.history and "book_top1" in history.history


def test_a_model_without_encode_needs_encode():
    with pytest.raises(ValueError, match="encode="):
        _fit([NextSentenceRetrieval(BOOK, queries=10)], epochs=1)


@pytest.mark.parametrize("kwargs, message", [
    ({"sentences": "one string"}, "at least 2 sentences"),
    ({"sentences": ["only one"]}, "at least 2 sentences"),
    ({"sentences": BOOK, "prefix": ""}, "prefix"),
    ({"sentences": BOOK, "every_n_epochs": 0}, "every_n_epochs"),
    ({"sentences": BOOK, "encode": "not callable"}, "callable"),
])
def test_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        NextSentenceRetrieval(**kwargs)
