import math

import keras
from keras import ops

from keras_ae._checks import check_int

_NEG = -1e9


@keras.saving.register_keras_serializable(package="keras_ae")
class OrderedPointer(keras.layers.Layer):
    """A policy that writes a summary by picking words of the document, in order.

    The pointer-only generator of an extractive summarizer: it encodes the
    document's word ids (embeddings plus learned positions, then residual
    convolutions), and at each of `max_length` steps a GRU cell, fed the
    encoding of the word it picked last, scores every later position of
    the document and an *end* choice (index `document_length`). A word can
    only follow the words already picked, so the summary keeps the
    document's word order and never repeats a position; it needs no
    vocabulary softmax (Wang & Lee 2018 use a pointer-generator; this is
    its copy half).

    The step's choice is sampled (Gumbel-max on `keras.random.uniform`), greedy
    (`greedy=True`) or given (`actions=...`, teacher forcing: how the
    log-probabilities of a sampled summary are recomputed with gradients,
    and how the policy imitates target positions). Steps after the end are
    padding: their action is the end index and their mask is 0.

    Args:
        vocabulary_size: int >= 2, the size of the word-id space (0 is the
            padding id).
        max_document_length: int >= 1, the longest document (in word ids)
            the layer takes: the size of its position table.
        max_length: int >= 1, the summary's most words (steps).
        min_length: int in [0, max_length], the fewest words of a summary
            (all the document's words when it has fewer): *end* cannot be
            chosen before, nor a word that leaves too few after it.
        embedding_dim: int >= 1, the word embeddings' size.
        units: int >= 1, the encoder's channels and the GRU's state size.
        kernel_size: int >= 1, the encoder convolutions' width.
        blocks: int >= 0, the encoder's residual convolution blocks.
        seed: int or None, the seed of the sampling.
        **kwargs: `keras.layers.Layer` arguments such as `name`.

    Call arguments:
        document_ids: int tensor `(batch, document_length)`, the words
            first, then 0 padding.
        document_mask: optional `(batch, document_length)`, 1 on real words;
            defaults to `document_ids != 0`.
        actions: optional int tensor `(batch, max_length)`, the positions
            to take (teacher forcing); positions must increase, and the end
            index (`document_length`) ends the summary.
        greedy: bool, take the most probable choice at each step.
        training: bool.

    Returns:
        A dict of `(batch, max_length)` tensors: `actions` (int32 positions,
        `document_length` for *end* and after it), `log_probs` (of the
        taken choices, 0 after the end), `entropy` (of each step's choice,
        0 after the end) and `mask` (float32, 1 on the steps taken, the
        *end* step included).

    Example:

    >>> import numpy as np
    >>> from keras_ae.layers import OrderedPointer
    >>> pointer = OrderedPointer(50, max_document_length=12, max_length=4, units=8, seed=0)
    >>> ids = np.array([[5, 6, 7, 8, 9, 0], [3, 4, 0, 0, 0, 0]])
    >>> out = pointer(ids, greedy=True)
    >>> tuple(out["actions"].shape)
    (2, 4)
    >>> words = [[int(ids[b, p]) for p in row if p < 6] for b, row in enumerate(
    ...     np.asarray(out["actions"]))]
    >>> all(row == sorted(row) and len(set(row)) == len(row) for row in words)
    True
    """

    def __init__(self, vocabulary_size, max_document_length=400, max_length=10, min_length=1,
                 embedding_dim=128, units=256, kernel_size=5, blocks=2, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = check_int("vocabulary_size", vocabulary_size, 2)
        self.max_document_length = check_int("max_document_length", max_document_length, 1)
        self.max_length = check_int("max_length", max_length, 1)
        self.min_length = check_int("min_length", min_length, 0)
        self.embedding_dim = check_int("embedding_dim", embedding_dim, 1)
        self.units = check_int("units", units, 1)
        self.kernel_size = check_int("kernel_size", kernel_size, 1)
        self.blocks = check_int("blocks", blocks, 0)
        if self.min_length > self.max_length:
            raise ValueError(f"`min_length` ({min_length}) must be at most `max_length` "
                             f"({max_length}).")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="pointer_seed")
        units = self.units
        self.embedding = keras.layers.Embedding(self.vocabulary_size, self.embedding_dim,
                                                name="embedding")
        self.position = keras.layers.Embedding(self.max_document_length, units, name="position")
        self.project = keras.layers.Dense(units, name="project")
        self.convolutions = [
            keras.layers.Conv1D(units, self.kernel_size, padding="same", activation="relu",
                                name=f"block_{i}") for i in range(self.blocks)]
        self.initial = keras.layers.Dense(units, activation="tanh", name="initial_state")
        self.cell = keras.layers.GRUCell(units, name="cell")
        self.key = keras.layers.Dense(units, name="key")
        self.query = keras.layers.Dense(units, name="query")

    def build(self, input_shape=None):
        self.embedding.build((None, None))
        self.position.build((None, None))
        self.project.build((None, None, self.embedding_dim))
        for convolution in self.convolutions:
            convolution.build((None, None, self.units))
        self.initial.build((None, self.units))
        self.cell.build((None, self.units))
        self.key.build((None, None, self.units))
        self.query.build((None, self.units))
        self.start = self.add_weight(shape=(self.units,), initializer="zeros", name="start")
        self.end_key = self.add_weight(shape=(self.units,), initializer="random_normal",
                                       name="end_key")
        self.built = True

    def encode(self, document_ids, document_mask, training=False):
        """The document's encodings, `(batch, document_length, units)`, 0 on padding."""
        length = document_ids.shape[1]
        if length is not None and length > self.max_document_length:
            raise ValueError(
                f"`document_ids` has {length} positions, more than max_document_length="
                f"{self.max_document_length}. Truncate the documents or build a larger layer.")
        mask = ops.cast(document_mask, "float32")[:, :, None]
        positions = ops.arange(ops.shape(document_ids)[1], dtype="int32")
        h = self.project(self.embedding(document_ids)) + self.position(positions)[None]
        h = h * mask
        for convolution in self.convolutions:
            h = (h + convolution(h)) * mask
        return h

    def _context(self, document_ids, document_mask, training):
        """What every step reads: the keys (with *end*'s), which choices exist, the words'
        count and the summary's owed length, the encodings, and the start state."""
        ids = ops.cast(document_ids, "int32")
        mask = ops.cast(ids != 0, "float32") if document_mask is None else ops.cast(
            document_mask, "float32")
        encodings = self.encode(ids, mask, training=training)
        batch, length = ops.shape(ids)[0], ops.shape(ids)[1]
        keys = ops.concatenate(
            [self.key(encodings),
             ops.broadcast_to(ops.cast(self.end_key, encodings.dtype)[None, None],
                              (batch, 1, self.units))], axis=1)
        real = ops.concatenate([mask > 0, ops.ones((batch, 1), "bool")], axis=1)
        pooled = ops.sum(encodings, axis=1) / ops.maximum(ops.sum(mask, axis=1)[:, None], 1.0)
        # Words are a prefix of each row. A summary is owed min(min_length, words) words, so
        # at step t a word may only be picked if enough words remain after it.
        count = ops.cast(ops.sum(mask, axis=1), "int32")
        return {"encodings": encodings, "keys": keys, "real": real, "count": count,
                "owed": ops.minimum(count, self.min_length), "length": length,
                "positions": ops.arange(length + 1, dtype="int32")[None, :],
                "state": self.initial(pooled),
                "previous": ops.broadcast_to(ops.cast(self.start, encodings.dtype)[None],
                                             (batch, self.units))}

    def _step(self, context, t, previous, state, last, training):
        """Step t's new state, its masked logits over the positions and *end* (index
        `document_length`), and which choices are allowed."""
        output, states = self.cell(previous, [state], training=training)
        state = states[0]
        positions, end = context["positions"], context["length"]
        scores = ops.einsum("bpu,bu->bp", context["keys"], self.query(output)) * (
            1.0 / math.sqrt(self.units))
        allowed = ops.logical_and(context["real"], positions > last[:, None])
        if t < self.min_length:
            ok = ops.where(positions < end,
                           positions <= (context["count"] - context["owed"] + t)[:, None],
                           (context["owed"] <= t)[:, None])
            allowed = ops.logical_and(allowed, ok)
        return state, ops.where(allowed, ops.cast(scores, "float32"), _NEG), allowed

    def _picked(self, context, action):
        """The encodings of the words just picked: the next step's input."""
        picked = ops.minimum(action, context["length"] - 1)
        return ops.take_along_axis(context["encodings"], picked[:, None, None], axis=1)[:, 0]

    def call(self, document_ids, document_mask=None, actions=None, greedy=False, training=False):
        context = self._context(document_ids, document_mask, training)
        state, previous, end = context["state"], context["previous"], context["length"]
        batch = ops.shape(context["count"])[0]
        last = ops.full((batch,), -1, "int32")
        finished = ops.zeros((batch,), "bool")
        out = {"actions": [], "log_probs": [], "entropy": [], "mask": []}
        for t in range(self.max_length):
            state, logits, allowed = self._step(context, t, previous, state, last, training)
            log_p = ops.log_softmax(logits, axis=-1)
            if actions is not None:
                action = ops.cast(actions[:, t], "int32")
            elif greedy:
                action = ops.cast(ops.argmax(logits, axis=-1), "int32")
            else:
                # Gumbel-max: argmax(logits + Gumbel noise) is a draw from softmax(logits).
                noise = keras.random.uniform(ops.shape(logits), 1e-7, 1.0 - 1e-7,
                                             seed=self.seed_generator)
                action = ops.cast(ops.argmax(logits - ops.log(-ops.log(noise)), axis=-1),
                                  "int32")
            action = ops.where(finished, end, action)
            taken = ops.take_along_axis(log_p, action[:, None], axis=1)[:, 0]
            entropy = -ops.sum(ops.where(allowed, ops.exp(log_p) * log_p, 0.0), axis=-1)
            step = 1.0 - ops.cast(finished, "float32")
            out["actions"].append(action)
            out["log_probs"].append(taken * step)
            out["entropy"].append(entropy * step)
            out["mask"].append(step)
            finished = ops.logical_or(finished, action == end)
            last = ops.where(action < end, action, last)
            previous = self._picked(context, action)
        return {key: ops.stack(values, axis=1) for key, values in out.items()}

    def beam_search(self, document_ids, document_mask=None, beam_width=4):
        """The most probable summaries found by beam search.

        Keeps the `beam_width` most probable partial summaries of each
        document at every step (a finished summary stays a candidate, its
        probability unchanged) and returns the most probable complete one:
        the highest sum of log-probabilities, with no length normalisation
        (with `min_length == max_length` every summary has the same
        length). `beam_width=1` is greedy decoding.

        Args:
            document_ids: int tensor `(batch, document_length)`, as in `call`.
            document_mask: optional `(batch, document_length)`, as in `call`.
            beam_width: int >= 1, the candidates kept per document.

        Returns:
            The dict `call` returns, for the best summary of each document.
        """
        k = check_int("beam_width", beam_width, 1)
        ids = ops.cast(document_ids, "int32")
        mask = ops.cast(ids != 0, "float32") if document_mask is None else document_mask
        context = self._context(ops.repeat(ids, k, axis=0),
                                ops.repeat(ops.cast(mask, "float32"), k, axis=0), False)
        state, previous, end = context["state"], context["previous"], context["length"]
        rows = ops.shape(context["count"])[0]
        batch, choices = rows // k, end + 1
        last = ops.full((rows,), -1, "int32")
        finished = ops.zeros((rows,), "bool")
        # All k beams start as the same empty summary: only the first may grow at step 0.
        score = ops.tile(ops.concatenate([ops.zeros((1,)), ops.full((k - 1,), _NEG)])[None],
                         (batch, 1))
        first = ops.repeat(ops.arange(batch, dtype="int32") * k, k)
        history = {"actions": [], "log_probs": [], "entropy": [], "mask": []}
        for t in range(self.max_length):
            state, logits, allowed = self._step(context, t, previous, state, last, False)
            log_p = ops.log_softmax(logits, axis=-1)
            entropy = -ops.sum(ops.where(allowed, ops.exp(log_p) * log_p, 0.0), axis=-1)
            # A finished beam can only "end" again, at no cost.
            log_p = ops.where(finished[:, None],
                              ops.where(context["positions"] == end, 0.0, _NEG), log_p)
            total = ops.reshape(score, (rows, 1)) + log_p
            score, best = ops.top_k(ops.reshape(total, (batch, k * choices)), k)
            parent = first + ops.reshape(ops.cast(best // choices, "int32"), (rows,))
            action = ops.reshape(ops.cast(best % choices, "int32"), (rows,))
            taken = ops.take_along_axis(ops.take(log_p, parent, axis=0), action[:, None],
                                        axis=1)[:, 0]
            step = 1.0 - ops.cast(ops.take(finished, parent, axis=0), "float32")
            history = {key: [ops.take(v, parent, axis=0) for v in values]
                       for key, values in history.items()}
            history["actions"].append(action)
            history["log_probs"].append(taken * step)
            history["entropy"].append(ops.take(entropy, parent, axis=0) * step)
            history["mask"].append(step)
            state = ops.take(state, parent, axis=0)
            finished = ops.logical_or(ops.take(finished, parent, axis=0), action == end)
            last = ops.where(action < end, action, ops.take(last, parent, axis=0))
            previous = self._picked(context, action)
        # top_k sorts the beams: each document's first is its best.
        best = ops.arange(batch, dtype="int32") * k
        return {key: ops.take(ops.stack(values, axis=1), best, axis=0)
                for key, values in history.items()}

    def compute_output_spec(self, document_ids, document_mask=None, actions=None, greedy=False,
                            training=False):
        shape = (document_ids.shape[0], self.max_length)
        return {"actions": keras.KerasTensor(shape, "int32"),
                "log_probs": keras.KerasTensor(shape, "float32"),
                "entropy": keras.KerasTensor(shape, "float32"),
                "mask": keras.KerasTensor(shape, "float32")}

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "max_document_length": self.max_document_length,
            "max_length": self.max_length,
            "min_length": self.min_length,
            "embedding_dim": self.embedding_dim,
            "units": self.units,
            "kernel_size": self.kernel_size,
            "blocks": self.blocks,
            "seed": self.seed,
        }
