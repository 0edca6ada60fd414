import keras
import numpy as np
from keras import ops

from keras_ae import backend
from keras_ae._checks import check_int
from keras_ae.backend import is_symbolic
from keras_ae.models.inference import in_batches
from keras_ae.presets import PresetMixin
from keras_ae.text import tokenize_input
from keras_ae.training import Player
from keras_ae.training import PlayerTraining
from keras_ae.training import regularization


class TokenizedFit:
    """`fit` and `evaluate` of a sentence model with a tokenizer, on every backend.

    The tokenizer (tensorflow-text) runs inside the model on TensorFlow;
    on JAX and PyTorch the strings are tokenized in the input pipeline
    first (`keras_ae.text.tokenize_input`), so the step gets ids.
    """

    def _input(self, x):
        if self.tokenizer is None or backend.steps_run_tensorflow():
            return x
        return tokenize_input(self.tokenizer, x)

    def fit(self, x=None, y=None, **kwargs):
        return super().fit(self._input(x), y, **kwargs)

    def evaluate(self, x=None, y=None, **kwargs):
        return super().evaluate(self._input(x), y, **kwargs)


@keras.saving.register_keras_serializable(package="keras_ae")
class QuickThought(TokenizedFit, PlayerTraining, PresetMixin, keras.Model):
    """Quick-Thought sentence embeddings: pick a sentence's neighbours from the batch.

    Two encoders embed every sentence of a batch of *contiguous* sentences
    (in reading order, e.g. from `keras_ae.data.sentence_batches`): `f` the
    sentence itself and `g` its candidate contexts. Sentence i scores every
    other sentence j by the inner product `f(s_i) · g(s_j)`; a softmax over
    the batch (sentence i itself masked out) is trained to put its mass on
    the neighbours `0 < |i - j| <= context_size`, spread evenly over them
    (soft targets). No decoder: only a classifier over the batch, which is
    why it trains much faster than Skip-Thought.

    Under a `tf.distribute` strategy the `g` embeddings are gathered from
    every replica, so each sentence is scored against the whole global
    batch (as SimCLR gathers its negatives) and its neighbours are found
    across the replicas' boundaries.

    The logs hold the loss and two retrieval accuracies: `next_accuracy`
    (the next sentence scores strictly highest among all sentences but the
    sentence itself and its previous one) and `previous_accuracy` (the same
    for the previous sentence). Chance is about `1 / (batch - 2)`.

    It trains on TensorFlow, JAX and PyTorch, on strings or token ids. A
    tokenizer (tensorflow-text) runs in TensorFlow only: on TensorFlow it
    runs inside the step; on JAX and PyTorch `fit` tokenizes the strings in
    the input pipeline first (`keras_ae.text.tokenize_input`). `encode`
    takes strings on every backend.

    Args:
        f_encoder: a built Keras model, a batch of sentences (as the
            tokenizer's ids, or whatever it takes) → `(batch, dim)`.
        g_encoder: None for a separate encoder of the same architecture (a
            copy of `f_encoder` with fresh weights), or a model with the same
            output size. Passing `f_encoder` again shares the weights, and
            each sentence is then encoded once per step (one dropout mask
            for both roles), not twice.
        context_size: int >= 1, how many sentences on each side are
            neighbours (1: the previous and the next, as in the paper).
        tokenizer: None, or a layer from strings to ids (e.g.
            `keras_ae.text.WordPieceTokenizer`), applied before both
            encoders, so that `fit` and `encode` take raw strings and the
            saved model holds the vocabulary.
        **kwargs: `keras.Model` arguments, such as `name`.

    Example:

    >>> import keras, numpy as np, keras_ae
    >>> def bag_of_words(name):
    ...     ids = keras.Input((6,), dtype="int32")
    ...     h = keras.layers.Embedding(20, 8, mask_zero=True)(ids)
    ...     return keras.Model(ids, keras.layers.GlobalAveragePooling1D()(h), name=name)
    >>> model = keras_ae.models.QuickThought(bag_of_words("f"), context_size=1)
    >>> model.compile(optimizer="adam")
    >>> ids = np.random.default_rng(0).integers(1, 20, size=(16, 6))
    >>> history = model.fit(ids, batch_size=8, epochs=1, shuffle=False, verbose=0)
    >>> sorted(history.history)
    ['loss', 'next_accuracy', 'previous_accuracy']
    >>> tuple(model.encode(ids).shape)
    (16, 16)

    Reference:
        Logeswaran & Lee 2018, "An efficient framework for learning sentence
        representations", arXiv 1803.02893 (github.com/lajanugen/S2V).
    """

    # All weights exist once constructed: presets need no input to build it.
    builds_itself = True

    def __init__(self, f_encoder, g_encoder=None, context_size=1, tokenizer=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(f_encoder, keras.Model) or not f_encoder.built:
            raise ValueError(
                "`f_encoder` must be a built Keras model (Functional, or Sequential with an "
                f"Input) from a batch of sentences to vectors. Received: f_encoder={f_encoder!r}"
            )
        context_size = check_int("context_size", context_size, 1)
        if g_encoder is None:
            config = keras.saving.serialize_keras_object(f_encoder)
            config["config"] = {**config["config"], "name": f"{f_encoder.name}_g"}
            g_encoder = keras.saving.deserialize_keras_object(config)
        elif not isinstance(g_encoder, keras.Model) or not g_encoder.built:
            raise ValueError(
                "`g_encoder` must be None or a built Keras model. Received: "
                f"g_encoder={g_encoder!r}")
        f_dim, g_dim = _embedding_size(f_encoder, "f_encoder"), _embedding_size(g_encoder,
                                                                               "g_encoder")
        if f_dim != g_dim:
            raise ValueError(
                "`f_encoder` and `g_encoder` must output vectors of the same size (they are "
                f"compared by inner product). Received: {f_dim} and {g_dim}")
        if tokenizer is not None and not isinstance(tokenizer, keras.layers.Layer):
            raise ValueError(
                f"`tokenizer` must be None or a Keras layer. Received: tokenizer={tokenizer!r}")
        self.f_encoder = f_encoder
        self.g_encoder = g_encoder
        self.context_size = context_size
        self.tokenizer = tokenizer
        self.embedding_dim = f_dim
        self._trackers = {name: keras.metrics.Mean(name=name)
                          for name in ("loss", "next_accuracy", "previous_accuracy")}
        self.built = True

    def _ids(self, sentences):
        return tokenize_sentences(self.tokenizer, sentences)

    def call(self, inputs, training=False):
        return ops.concatenate(self._f_and_g(self._ids(inputs), training), axis=-1)

    def _f_and_g(self, ids, training):
        """The sentences through f and through g; a shared encoder runs once."""
        f = self.f_encoder(ids, training=training)
        return f, f if self.g_encoder is self.f_encoder else self.g_encoder(ids,
                                                                            training=training)

    def encode(self, sentences, encoder="both", batch_size=128):
        """Sentence embeddings, in inference mode.

        Args:
            sentences: a non-empty batch, of any size: a list of non-empty
                strings when the model has a tokenizer, else what the
                encoders take.
            encoder: `"both"` (f and g concatenated, as the paper does at
                test time), `"f"` or `"g"`.
            batch_size: int, run the encoders in batches of this size,
                compiled, like `predict` (numpy out); None (or a symbolic
                input) calls them directly.

        Returns:
            `(batch, 2 * dim)` for "both", else `(batch, dim)`.
        """
        if encoder not in ("both", "f", "g"):
            raise ValueError(f'`encoder` must be "both", "f" or "g". Received: {encoder!r}')
        if isinstance(sentences, str):
            raise ValueError("`sentences` must be a batch (e.g. a list) of strings, not one str.")
        if len(sentences) == 0:
            raise ValueError("`sentences` is empty: there is nothing to encode.")
        if self.tokenizer is not None and isinstance(sentences, (list, tuple, np.ndarray)):
            for i, sentence in enumerate(sentences):
                if not isinstance(sentence, str) or not sentence.strip():
                    raise ValueError(
                        f"`sentences[{i}]` is {sentence!r}: every sentence must be a non-empty "
                        "string.")
        ids = self._ids(sentences)
        if batch_size is not None and not is_symbolic(ids):
            both = in_batches(self, "_embed", ops.convert_to_numpy(ids), batch_size)
            return {"both": both, "f": both[:, :self.embedding_dim],
                    "g": both[:, self.embedding_dim:]}[encoder]
        if encoder != "both":
            return (self.f_encoder if encoder == "f" else self.g_encoder)(ids, training=False)
        return self._embed(ids)

    def _embed(self, ids, batch_size=None):
        return ops.concatenate(self._f_and_g(ids, False), axis=-1)

    def neighbour_losses(self, f_embeddings, g_embeddings):
        """The loss and accuracies of one replica's rows against the global batch.

        Args:
            f_embeddings: `(rows, dim)`, this replica's sentences through f.
            g_embeddings: `(rows, dim)`, the same sentences through g; they
                are gathered from all replicas.

        Returns:
            `(loss, next_accuracy, previous_accuracy)`: the loss per row
            `(rows,)`, and the two accuracies per row with a mask of the
            rows where they are defined, as `(correct, defined)` pairs.
        """
        u = ops.cast(f_embeddings, "float32")
        v, offset = backend.cross_replica_concat(ops.cast(g_embeddings, "float32"))
        rows, total = ops.shape(u)[0], ops.shape(v)[0]
        _check_batch(total, self.context_size)
        scores = ops.matmul(u, ops.transpose(v))
        row = ops.expand_dims(ops.arange(rows, dtype="int32") + offset, 1)
        distance = ops.expand_dims(ops.arange(total, dtype="int32"), 0) - row
        is_self = ops.equal(distance, 0)
        neighbour = ops.logical_and(ops.less_equal(ops.abs(distance), self.context_size),
                                    ops.logical_not(is_self))
        targets = ops.cast(neighbour, "float32")
        targets = targets / ops.sum(targets, axis=-1, keepdims=True)
        masked = ops.where(is_self, -1e9, scores)
        loss = -ops.sum(targets * ops.log_softmax(masked, axis=-1), axis=-1)

        def retrieval(step):
            # The neighbour `step` away must beat everything but the sentence
            # itself and its neighbour on the other side; ties are failures.
            target = ops.equal(distance, step)
            defined = ops.any(target, axis=-1)
            positive = ops.sum(ops.where(target, scores, 0.0), axis=-1)
            excluded = ops.logical_or(ops.less_equal(ops.abs(distance), 1), target)
            others = ops.max(ops.where(excluded, -np.inf, scores), axis=-1)
            correct = ops.logical_and(defined, ops.greater(positive, others))
            return ops.cast(correct, "float32"), ops.cast(defined, "float32")

        return loss, retrieval(1), retrieval(-1)

    def players(self):
        return [Player("quick_thought", [self], self.training_loss)]

    def training_loss(self, x, y=None, sample_weight=None, training=True, shared=None):
        """The loss of a batch (the logs' `loss`, plus weight regularization)."""
        if isinstance(x, (tuple, list, dict)) and self.tokenizer is None:
            raise ValueError(
                "QuickThought trains on one batch of contiguous sentences; any labels are "
                "ignored. Received a structure of inputs.")
        ids = self._ids(x)
        loss, forward, backward = self.neighbour_losses(*self._f_and_g(ids, training))
        mean = ops.mean(loss)
        self._update_trackers(mean, forward, backward)
        return mean + regularization(self)

    def _update_trackers(self, loss, forward, backward):
        self._trackers["loss"].update_state(loss)
        for name, (correct, defined) in (("next_accuracy", forward),
                                         ("previous_accuracy", backward)):
            self._trackers[name].update_state(correct, sample_weight=defined)
        return {name: tracker.result() for name, tracker in self._trackers.items()}

    def get_config(self):
        return {
            **super().get_config(),
            "f_encoder": keras.saving.serialize_keras_object(self.f_encoder),
            # A shared encoder is saved once, and shared again when loaded.
            "g_encoder": (None if self.g_encoder is self.f_encoder
                          else keras.saving.serialize_keras_object(self.g_encoder)),
            "share_encoders": self.g_encoder is self.f_encoder,
            "context_size": self.context_size,
            "tokenizer": keras.saving.serialize_keras_object(self.tokenizer),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        shared = config.pop("share_encoders", False)
        for key in ("f_encoder", "g_encoder", "tokenizer"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        if shared:
            config["g_encoder"] = config["f_encoder"]
        return cls(**config)


def tokenize_sentences(tokenizer, sentences):
    """Ids of `sentences` through `tokenizer`; ids pass unchanged (and
    anything, without a tokenizer). No empty sentence."""
    if tokenizer is None:
        return sentences
    ids = sentences if _is_integer(sentences) else tokenizer(sentences)
    _check_no_empty_sentence(ids)
    return ids


def _is_integer(x):
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return False
    try:
        return keras.backend.standardize_dtype(dtype).startswith(("int", "uint"))
    except ValueError:  # strings
        return False


def _embedding_size(model, name):
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        outputs = None
    shape = tuple(outputs[0].shape) if outputs and len(outputs) == 1 else None
    if shape is None or len(shape) != 2 or shape[-1] is None:
        raise ValueError(
            f"`{name}` must output one vector per sentence, shape (batch, dim). Received: an "
            f"output of shape {shape}")
    return int(shape[-1])


def _check_batch(total, context_size):
    """Every sentence needs a neighbour and a negative: context_size + 2 sentences."""
    needed = context_size + 2
    backend.check_at_least(
        total, needed,
        f"A batch must hold at least context_size + 2 = {needed} contiguous sentences (each "
        "needs a neighbour and at least one sentence that is not). If it is the last batch "
        "of an epoch, drop it (e.g. `sentence_batches(..., drop_remainder=True)`).")


def _check_no_empty_sentence(ids):
    lengths = ops.sum(ops.cast(ops.not_equal(ids, 0), "int32"), axis=-1)
    backend.check(ops.greater(lengths, 0),
                  "An empty sentence (no tokens) came: every sentence must have at least one "
                  "token. Remove empty lines (the loaders' `drop_empty`).")
