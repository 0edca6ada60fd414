import keras
from keras import ops

from keras_ae import backend
from keras_ae._checks import check_int
from keras_ae.backend import is_symbolic
from keras_ae.models.inference import in_batches
from keras_ae.models.quick_thought import TokenizedFit
from keras_ae.models.quick_thought import _check_batch
from keras_ae.models.quick_thought import _embedding_size
from keras_ae.models.quick_thought import tokenize_sentences
from keras_ae.presets import PresetMixin
from keras_ae.training import Player
from keras_ae.training import PlayerTraining
from keras_ae.training import regularization


@keras.saving.register_keras_serializable(package="keras_ae")
class SkipThought(TokenizedFit, PlayerTraining, PresetMixin, keras.Model):
    """Skip-Thought sentence embeddings: generate the previous and the next sentence.

    The encoder embeds sentence i of a batch of *contiguous* sentences; two
    GRU decoders, whose initial state is a projection of that embedding,
    generate the words of sentence i - 1 and of sentence i + 1 with teacher
    forcing (each target word predicted from the ones before it), and the
    loss is their token cross-entropy, padding excluded. The baseline that
    Quick-Thought replaces with a classifier over the batch: same encoder,
    same data, but a softmax over the vocabulary for every target word.

    Sentences at the edges of a batch have one neighbour only; under a
    `tf.distribute` strategy the neighbours are looked up in the global
    batch, across the replicas' boundaries.

    Logs: `loss`, `previous_loss`, `next_loss` (per-token cross-entropy)
    and `token_accuracy` (the fraction of target words predicted exactly).
    It trains on TensorFlow, JAX and PyTorch, on strings or token ids (a
    tokenizer runs in the input pipeline off TensorFlow, as in
    `QuickThought`).

    Args:
        encoder: a built Keras model, token ids `(batch, length)` →
            `(batch, dim)`.
        vocabulary_size: int, the size of the decoders' output softmax; None
            to take the tokenizer's.
        decoder_units: int >= 1, the GRU size of each decoder. Defaults to
            the encoder's output size.
        embedding_dim: int >= 1, the decoders' word embedding size (their own
            table, as in the paper's implementation).
        tokenizer: None, or a layer from strings to ids whose id 0 is padding
            (e.g. `keras_ae.text.WordPieceTokenizer`), so that `fit` and
            `encode` take raw strings.
        **kwargs: `keras.Model` arguments, such as `name`.

    Example:

    >>> import keras, numpy as np, keras_ae
    >>> ids = keras.Input((6,), dtype="int32")
    >>> h = keras.layers.Embedding(20, 8, mask_zero=True)(ids)
    >>> encoder = keras.Model(ids, keras.layers.GRU(8)(h))
    >>> model = keras_ae.models.SkipThought(encoder, vocabulary_size=20, decoder_units=8,
    ...                                     embedding_dim=4)
    >>> model.compile(optimizer="adam")
    >>> batch = np.random.default_rng(0).integers(1, 20, size=(16, 6))
    >>> history = model.fit(batch, batch_size=8, epochs=1, shuffle=False, verbose=0)
    >>> sorted(history.history)
    ['loss', 'next_loss', 'previous_loss', 'token_accuracy']
    >>> tuple(model.encode(batch).shape)
    (16, 8)

    Reference:
        Kiros et al. 2015, "Skip-Thought Vectors", NeurIPS (arXiv 1506.06726).
    """

    # All weights exist once constructed: presets need no input to build it.
    builds_itself = True

    def __init__(self, encoder, vocabulary_size=None, decoder_units=None, embedding_dim=256,
                 tokenizer=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(encoder, keras.Model) or not encoder.built:
            raise ValueError(
                "`encoder` must be a built Keras model from token ids to vectors. "
                f"Received: encoder={encoder!r}")
        if tokenizer is not None and not isinstance(tokenizer, keras.layers.Layer):
            raise ValueError(
                f"`tokenizer` must be None or a Keras layer. Received: tokenizer={tokenizer!r}")
        if vocabulary_size is None:
            vocabulary_size = getattr(tokenizer, "vocabulary_size", None)
        dim = _embedding_size(encoder, "encoder")
        decoder_units = dim if decoder_units is None else decoder_units
        # None here: neither the argument nor the tokenizer gave a size.
        vocabulary_size = check_int("vocabulary_size", vocabulary_size, 1)
        decoder_units = check_int("decoder_units", decoder_units, 1)
        embedding_dim = check_int("embedding_dim", embedding_dim, 1)
        self.encoder = encoder
        self.vocabulary_size = vocabulary_size
        self.decoder_units = decoder_units
        self.embedding_dim = embedding_dim
        self.tokenizer = tokenizer
        # One flat dict, "previous_state" ... "next_output", so Keras tracks every layer.
        self.decoder_layers = {}
        for side in ("previous", "next"):
            layers = {
                "state": keras.layers.Dense(decoder_units, activation="tanh"),
                "embedding": keras.layers.Embedding(vocabulary_size, embedding_dim),
                "gru": keras.layers.GRU(decoder_units, return_sequences=True),
                "output": keras.layers.Dense(vocabulary_size),
            }
            layers["state"].build((None, dim))
            layers["embedding"].build((None, None))
            layers["gru"].build((None, None, embedding_dim))
            layers["output"].build((None, None, decoder_units))
            for part, layer in layers.items():
                layer.name = f"{side}_{part}"
                self.decoder_layers[f"{side}_{part}"] = layer
        self._trackers = {name: keras.metrics.Mean(name=name)
                          for name in ("loss", "previous_loss", "next_loss", "token_accuracy")}
        self.built = True

    def _ids(self, sentences):
        return tokenize_sentences(self.tokenizer, sentences)

    def call(self, inputs, training=False):
        return self.encoder(self._ids(inputs), training=training)

    def encode(self, sentences, batch_size=128):
        """Sentence embeddings `(batch, dim)`, in inference mode.

        Any number of sentences; the encoder runs in batches of `batch_size`,
        compiled, like `predict` (numpy out); None (or a symbolic input)
        calls it directly.
        """
        if isinstance(sentences, str) or len(sentences) == 0:
            raise ValueError("`sentences` must be a non-empty batch, e.g. a list of strings.")
        ids = self._ids(sentences)
        if batch_size is not None and not is_symbolic(ids):
            return in_batches(self, "_embed", ops.convert_to_numpy(ids), batch_size)
        return self.encoder(ids, training=False)

    def _embed(self, ids, batch_size=None):
        return self.encoder(ids, training=False)

    def decode_logits(self, side, embeddings, targets, training=False):
        """Teacher-forced logits of the `side` decoder, `(batch, length, vocabulary)`.

        The decoder reads the target shifted right by one (id 0, the padding
        id, stands for the start) from an initial state computed from
        `embeddings`.
        """
        layer = {part: self.decoder_layers[f"{side}_{part}"]
                 for part in ("state", "embedding", "gru", "output")}
        state = layer["state"](embeddings)
        shifted = ops.pad(targets[:, :-1], [[0, 0], [1, 0]])
        hidden = layer["gru"](layer["embedding"](shifted), initial_state=state,
                              training=training)
        return layer["output"](hidden)

    def players(self):
        return [Player("skip_thought", [self], self.training_loss)]

    def training_loss(self, x, y=None, sample_weight=None, training=True, shared=None):
        """The loss of a batch (the logs' `loss`, plus weight regularization)."""
        ids = ops.cast(self._ids(x), "int32")
        embeddings = self.encoder(ids, training=training)
        all_ids, offset = backend.cross_replica_concat(ids)
        rows, total = ops.shape(ids)[0], ops.shape(all_ids)[0]
        _check_batch(total, 1)
        index = ops.arange(rows, dtype="int32") + offset
        losses, correct, counted = {}, 0.0, 0.0
        for side, step in (("previous", -1), ("next", 1)):
            neighbour = index + step
            exists = ops.cast(ops.logical_and(neighbour >= 0, neighbour < total), "float32")
            targets = ops.take(all_ids, ops.clip(neighbour, 0, total - 1), axis=0)
            logits = ops.cast(self.decode_logits(side, embeddings, targets, training), "float32")
            weight = ops.cast(ops.not_equal(targets, 0), "float32") * exists[:, None]
            token_loss = keras.losses.sparse_categorical_crossentropy(targets, logits,
                                                                      from_logits=True)
            count = ops.maximum(ops.sum(weight), 1.0)
            losses[side] = ops.sum(token_loss * weight) / count
            hits = ops.cast(ops.equal(ops.argmax(logits, axis=-1), targets), "float32")
            correct = correct + ops.sum(hits * weight)
            counted = counted + ops.sum(weight)
        loss = losses["previous"] + losses["next"]
        accuracy = correct / ops.maximum(counted, 1.0)
        self._update_trackers(loss, losses, accuracy)
        return loss + regularization(self)

    def _update_trackers(self, loss, losses, accuracy):
        self._trackers["loss"].update_state(loss)
        self._trackers["previous_loss"].update_state(losses["previous"])
        self._trackers["next_loss"].update_state(losses["next"])
        self._trackers["token_accuracy"].update_state(accuracy)
        return {name: tracker.result() for name, tracker in self._trackers.items()}

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "vocabulary_size": self.vocabulary_size,
            "decoder_units": self.decoder_units,
            "embedding_dim": self.embedding_dim,
            "tokenizer": keras.saving.serialize_keras_object(self.tokenizer),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("encoder", "tokenizer"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
