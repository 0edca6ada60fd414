
import keras
import numpy as np
import pytest
import tiny_models

from keras_ae.callbacks import EmbeddingProjector
from keras_ae.callbacks.embedding_projector import TENSOR_NAME


class _Encoder(keras.Model):
    """A stand-in with `encode`: the lengths of the words."""

    def encode(self, sentences):
        return np.array([[len(w) for w in s.split()[:2]] + [0] * (2 - len(s.split()[:2]))
                         for s in sentences], "float32")


def test_writes_what_the_projector_reads(tmp_path):
    import tensorflow as tf

    sentences = ["the cat sat .", "a dog\tran .", ""]
    callback = EmbeddingProjector(sentences, str(tmp_path), labels={"book": ["a", "b", "b"]})
    callback.set_model(_Encoder())
    callback.on_epoch_end(0)
    folder = tmp_path / "projector"
    with open(folder / "metadata.tsv", encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    assert rows == [["text", "book"], ["the cat sat .", "a"], ["a dog ran .", "b"],
                    ["(empty)", "b"]]
    reader = tf.train.load_checkpoint(str(folder / "embedding.ckpt"))
    np.testing.assert_array_equal(reader.get_tensor(TENSOR_NAME),
                                  _Encoder().encode(sentences))
    config = (folder / "projector_config.pbtxt").read_text()
    assert TENSOR_NAME in config and "metadata.tsv" in config
    assert tf.train.latest_checkpoint(str(folder)).endswith("embedding.ckpt")


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="QuickThought trains on TF")
def test_during_fit_of_a_quick_thought(tmp_path):
    import tensorflow as tf

    from keras_ae.models import QuickThought
    from keras_ae.text import WordPieceTokenizer

    tokenizer = WordPieceTokenizer(["[PAD]", "[UNK]", "the", "cat", "sat", "a", "dog"],
                                   sequence_length=4)
    ids = keras.Input((4,), dtype="int32")
    f = keras.Model(ids, keras.layers.GlobalAveragePooling1D()(
        keras.layers.Embedding(7, 3, mask_zero=True)(ids)))
    model = QuickThought(f, tokenizer=tokenizer)
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    story = ["the cat sat", "a dog", "the dog sat", "a cat"] * 2
    callback = EmbeddingProjector(story[:4], str(tmp_path))
    model.fit(tf.data.Dataset.from_tensor_slices(story).batch(8), epochs=2, verbose=0,
              callbacks=[callback])
    reader = tf.train.load_checkpoint(str(tmp_path / "projector" / "embedding.ckpt"))
    np.testing.assert_allclose(reader.get_tensor(TENSOR_NAME),
                               keras.ops.convert_to_numpy(model.encode(story[:4])), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"inputs": []}, "inputs"),
        ({"inputs": "one sentence"}, "inputs"),
        ({"names": ["x"]}, "names"),
        ({"labels": {"book": ["a"]}}, "labels"),
        ({"every_n_epochs": 0}, "every_n_epochs"),
        ({"encode": 3}, "encode"),
    ],
)
def test_errors(kwargs, message, tmp_path):
    args = {"inputs": ["a", "b"], "logdir": str(tmp_path), **kwargs}
    with pytest.raises(ValueError, match=message):
        EmbeddingProjector(**args)


def test_encode_must_give_one_vector_per_input(tmp_path):
    callback = EmbeddingProjector(["a", "b"], str(tmp_path), encode=lambda s: np.zeros((3, 2)))
    with pytest.raises(ValueError, match="one vector per input"):
        callback.write()
