import keras
import numpy as np
from keras import ops

from keras_ae import backend
from keras_ae._checks import check_int
from keras_ae.models.inference import batched
from keras_ae.presets import PresetMixin
from keras_ae.training import Player
from keras_ae.training import PlayerTraining
from keras_ae.training import regularization

_NEGATIVE_MODES = ("batch", "same_sequence", "same_group")


@keras.saving.register_keras_serializable(package="keras_ae")
class CPC(PlayerTraining, PresetMixin, keras.Model):
    """Contrastive Predictive Coding: frames that predict their future.

    An encoder turns a signal into a sequence of frame embeddings `z_t`, an
    autoregressive network summarises `z_1 .. z_t` into a context `c_t`, and
    one linear head per step `k = 1 .. K` predicts `W_k c_t`. The InfoNCE loss
    of step `k` asks `W_k c_t` to score the true future `z_{t+k}` above
    `num_negatives` other frames, drawn afresh every step from:

    - `"batch"`: any time of the other sequences of the (global) batch;
    - `"same_sequence"`: the other times of the same sequence;
    - `"same_group"`: sequences of the same group (e.g. the same speaker,
      passed as `y` to `fit`), then a time in that sequence (the positive
      itself is never drawn). Negatives that share the speaker cannot be told
      apart by voice, so the features must carry content.

    The loss is the mean of the steps' InfoNCE; the logs hold `loss`,
    `accuracy` (the mean over steps) and, per step `k`, `info_nce_k` and
    `accuracy_k` (the share of predictions that rank the true future first;
    chance is `1 / (num_negatives + 1)`). Under a `tf.distribute` strategy
    the negatives come from the global batch, gathered across replicas, so a
    distributed step is the step one device would take.

    Training needs frames of a fixed length per batch (e.g. the random crops
    of `keras_ae.data.audio_batches(..., crop_length=n)`) with more than `K`
    frames. It trains on TensorFlow, JAX and PyTorch (`keras_ae.training`);
    under `keras.distribution.DataParallel` on JAX the step sees the global
    batch, so the negatives come from all of it there too.

    Args:
        encoder: a built Keras model from a batch of signals to frames,
            `(batch, frames, features)`, e.g. a strided convolution over the
            waveform or over log-mel frames.
        autoregressive: a causal Keras layer or model from
            `(batch, frames, features)` to `(batch, frames, units)`: any
            recurrent layer with `return_sequences=True`, a causal
            convolution or a causal Transformer. Defaults to a GRU of
            `context_units`. A network that looks ahead (bidirectional, or a
            "same"-padded convolution) would see the future it must predict,
            and is refused.
        prediction_steps: int >= 1, `K`, how many frames ahead to predict.
        negatives: `"batch"`, `"same_sequence"` or `"same_group"`, see above.
        num_negatives: int >= 1, negatives per prediction.
        context_units: int >= 1, the default GRU's units (ignored when
            `autoregressive` is given).
        seed: int or None, seed of the negative sampling.
        **kwargs: `keras.Model` keyword arguments such as `name`.

    Call arguments:
        inputs: a batch of signals for the encoder.
        training: bool.

    Returns:
        The context features `c_t`, `(batch, frames, units)`.

    Example:

    >>> import keras, numpy as np, keras_ae
    >>> encoder = keras.Sequential([
    ...     keras.Input((64,)), keras.layers.Reshape((64, 1)),
    ...     keras.layers.Conv1D(8, 4, strides=4, activation="relu")])
    >>> model = keras_ae.models.CPC(encoder, prediction_steps=3, num_negatives=4,
    ...                             context_units=8)
    >>> model.compile(optimizer="adam")
    >>> waves = np.random.default_rng(0).normal(size=(8, 64)).astype("float32")
    >>> history = model.fit(waves, batch_size=4, epochs=1, verbose=0)
    >>> sorted(k for k in history.history if k.endswith("_3"))
    ['accuracy_3', 'info_nce_3']
    >>> tuple(model.encode(waves).shape)
    (8, 16, 8)

    Reference:
        van den Oord et al. 2018, "Representation Learning with Contrastive
        Predictive Coding", arXiv 1807.03748; the negative sampling follows
        Rivière et al. 2020, arXiv 2002.02848 (facebookresearch/CPC_audio).
    """

    def __init__(self, encoder, autoregressive=None, prediction_steps=12, negatives="batch",
                 num_negatives=16, context_units=256, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(encoder, keras.Model) or not encoder.built:
            raise ValueError(
                "`encoder` must be a built Keras model (e.g. Functional, or Sequential "
                f"with an Input) from signals to frames. Received: encoder={encoder!r}"
            )
        prediction_steps = check_int("prediction_steps", prediction_steps, 1)
        num_negatives = check_int("num_negatives", num_negatives, 1)
        context_units = check_int("context_units", context_units, 1)
        if negatives not in _NEGATIVE_MODES:
            raise ValueError(
                f"`negatives` must be one of {_NEGATIVE_MODES}. Received: "
                f"negatives={negatives!r}"
            )
        output_shape = _output_shape(encoder)
        if output_shape is None or len(output_shape) != 3 or output_shape[-1] is None:
            raise ValueError(
                "`encoder` must output frames, shape (batch, frames, features), with a "
                f"known feature size. Received: an output of shape {output_shape}"
            )
        features = int(output_shape[-1])
        if autoregressive is None:
            autoregressive = keras.layers.GRU(context_units, return_sequences=True,
                                              name="autoregressive")
        elif not isinstance(autoregressive, keras.layers.Layer):
            raise ValueError(
                "`autoregressive` must be None or a Keras layer or model. Received: "
                f"autoregressive={autoregressive!r}"
            )
        context_shape = _check_causal(autoregressive, features)

        self.encoder = encoder
        self.autoregressive = autoregressive
        self.prediction_steps = prediction_steps
        self.negatives = negatives
        self.num_negatives = num_negatives
        self.context_units = context_units
        self.seed = seed
        self.feature_dim = features
        self.context_dim = int(context_shape[-1])
        # The K heads W_1 .. W_K as one matrix: one matmul instead of K.
        self.predictor = keras.layers.Dense(self.prediction_steps * features, use_bias=False,
                                            name="predictor")
        self.predictor.build((None, None, self.context_dim))
        self.seed_generator = keras.random.SeedGenerator(seed, name="negative_seed")

        self._trackers = {"loss": keras.metrics.Mean(name="loss"),
                          "accuracy": keras.metrics.Mean(name="accuracy")}
        for k in range(1, self.prediction_steps + 1):
            self._trackers[f"info_nce_{k}"] = keras.metrics.Mean(name=f"info_nce_{k}")
            self._trackers[f"accuracy_{k}"] = keras.metrics.Mean(name=f"accuracy_{k}")
        self.built = True

    def call(self, inputs, training=False):
        return self.autoregressive(self.encoder(inputs, training=training), training=training)

    @batched
    def encode(self, inputs):
        """The context features `c_t` of `inputs`, in inference mode.

        Args:
            inputs: signals, as the encoder takes them.

        Returns:
            A `(batch, frames, units)` tensor. The context is causal, so the
            frames of a clip padded at the end (`frame_count` of its length)
            do not depend on the padding.
        """
        context = self(inputs, training=False)
        if context.shape[1] == 0:
            raise ValueError(
                "The encoder gave no frames: the input of shape "
                f"{tuple(ops.shape(inputs))} is shorter than its receptive field."
            )
        return context

    def frame_count(self, num_samples):
        """How many frames the encoder makes of a signal of `num_samples` samples."""
        frames = None
        try:
            frames = self.encoder.compute_output_shape((1, int(num_samples)))[1]
        except Exception:  # noqa: BLE001 (some layers infer no shapes: run the encoder)
            pass
        if frames is None:
            signal = np.zeros((1, int(num_samples)), "float32")
            frames = ops.shape(self.encoder(signal, training=False))[1]
        return int(frames)

    def min_samples(self):
        """The shortest signal training takes: `prediction_steps + 1` frames."""
        needed = self.prediction_steps + 1
        high = 1
        while self._frames_or_zero(high) < needed:
            high *= 2
            if high > 2**30:
                raise ValueError("The encoder makes too few frames of any input length.")
        low = high // 2
        while low + 1 < high:
            middle = (low + high) // 2
            if self._frames_or_zero(middle) >= needed:
                high = middle
            else:
                low = middle
        return high

    def _frames_or_zero(self, num_samples):
        try:
            return max(self.frame_count(num_samples), 0)
        except Exception:  # noqa: BLE001 (too short for a layer's shape inference)
            return 0

    def sample_negatives(self, batch_size, frames, groups=None, seed=None):
        """Where the negatives come from, as flat frame indices.

        Frame `(b, t)` predicts its futures `(b, t + 1) .. (b, t + K)`; its
        negatives, shared by the `K` predictions as in CPC_audio, are indices
        `b' * frames + t'` into the batch's `batch_size * frames` frames,
        drawn as the `negatives` mode says. None of them is ever one of the
        `K` futures of `(b, t)`, so no prediction is scored against its own
        positive.

        Args:
            batch_size: int (or int tensor), sequences in the (global) batch.
            frames: int > `prediction_steps`, frames per sequence.
            groups: int tensor `(batch_size,)`, each sequence's group; needed
                by `"same_group"`.
            seed: None to draw from the model's seed generator (as training
                does), or an int.

        Returns:
            An int32 tensor `(batch_size, frames, num_negatives)`.
        """
        seed = self.seed_generator if seed is None else seed
        shape = (batch_size, frames, self.num_negatives)
        row = ops.reshape(ops.arange(batch_size, dtype="int32"), (-1, 1, 1))
        time = ops.reshape(ops.arange(frames, dtype="int32"), (1, -1, 1))
        # The futures of (b, t) are t+1 .. t+K, cut at the end of the sequence.
        futures = ops.minimum(self.prediction_steps, frames - 1 - time)

        def uniform_int(count):
            # floor(u * count) is in [0, count): an int draw for a tensor count.
            u = keras.random.uniform(shape, seed=seed)
            draw = ops.cast(ops.floor(u * ops.cast(count, "float32")), "int32")
            return ops.minimum(draw, ops.cast(count, "int32") - 1)

        def other_time():
            # Uniform over the times of the same sequence that are not futures.
            draw = uniform_int(frames - futures)
            return ops.where(draw <= time, draw, draw + futures)

        if self.negatives == "batch":
            other = (row + 1 + uniform_int(batch_size - 1)) % batch_size
            return other * frames + uniform_int(frames)
        if self.negatives == "same_sequence":
            return row * frames + other_time()
        if groups is None:
            raise ValueError(
                '`negatives="same_group"` needs each sequence\'s group: pass it as `y` '
                "to `fit` (e.g. the speaker of each clip)."
            )
        groups = ops.reshape(ops.cast(groups, "int32"), (-1,))
        same = ops.equal(groups[:, None], groups[None, :])
        # Gumbel-max over the sequences of the same group (own one included).
        noise = keras.random.uniform(shape + (batch_size,), minval=1e-6, maxval=1.0,
                                     seed=seed)
        keys = ops.where(same[:, None, None, :], -ops.log(-ops.log(noise)), -np.inf)
        other = ops.cast(ops.argmax(keys, axis=-1), "int32")
        time = ops.where(ops.equal(other, row), other_time(), uniform_int(frames))
        return other * frames + time

    def step_losses(self, features, context, groups=None, training=False):
        """The InfoNCE loss and accuracy of every prediction step.

        Args:
            features: `(batch, frames, features)`, the encoder's frames `z`.
            context: `(batch, frames, units)`, the contexts `c`.
            groups: `(batch,)` int, each sequence's group, for `"same_group"`.
            training: bool, passed to the heads.

        Returns:
            Two lists of `K` float32 scalars: the mean InfoNCE loss and the
            accuracy (true future ranked first) of steps `1 .. K`.
        """
        frames = features.shape[1]
        if frames is None:
            raise ValueError(
                "CPC trains on batches of a fixed number of frames (crop the signals to a "
                "fixed length, e.g. `audio_batches(..., crop_length=n)`)."
            )
        steps = self.prediction_steps
        if frames <= steps:
            raise ValueError(
                f"The encoder made {frames} frames of this batch, and predicting "
                f"{steps} steps ahead needs at least {steps + 1}: train on signals of at "
                f"least {self.min_samples()} samples (its receptive field plus the "
                "prediction steps), or lower `prediction_steps`."
            )
        features = ops.cast(features, "float32")
        batch = ops.shape(features)[0]
        predictions = ops.cast(self.predictor(context, training=training), "float32")
        predictions = ops.reshape(predictions, (batch, frames, steps, self.feature_dim))
        # The true futures z_{t+k}, one gather for all k (zeros past the end,
        # where `valid` masks the step out).
        padded = ops.pad(features, ((0, 0), (0, steps), (0, 0)))
        future_time = ops.arange(frames)[:, None] + ops.arange(1, steps + 1)[None, :]
        futures = ops.take(padded, ops.reshape(future_time, (-1,)), axis=1)
        futures = ops.reshape(futures, (batch, frames, steps, self.feature_dim))
        valid = ops.cast(future_time < frames, "float32")  # (frames, steps)
        positive = ops.sum(predictions * futures, axis=-1)  # (batch, frames, steps)

        # Negatives are drawn from the global batch, as SimCLR does across
        # replicas; this replica scores its own rows.
        pool, offset = backend.cross_replica_concat(features)
        global_batch = ops.shape(pool)[0]
        pool = ops.reshape(pool, (-1, self.feature_dim))
        if self.negatives == "batch":
            _check_other_sequences(global_batch)
        if self.negatives == "same_group":
            if groups is None:
                raise ValueError(
                    '`negatives="same_group"` needs each sequence\'s group: pass it as `y` '
                    "to `fit` (e.g. the speaker of each clip)."
                )
            groups, _ = backend.cross_replica_concat(
                ops.reshape(ops.cast(groups, "int32"), (-1,)))
        indices = self.sample_negatives(global_batch, frames, groups=groups)
        indices = ops.slice(indices, (offset, 0, 0), (batch, frames, self.num_negatives))
        negative = ops.einsum("btkd,btnd->btkn", predictions, ops.take(pool, indices, axis=0))

        scores = ops.concatenate([positive[..., None], negative], axis=-1)
        loss = ops.logsumexp(scores, axis=-1) - positive
        # Ties count as failures: the positive must score strictly highest.
        correct = ops.cast(positive > ops.max(negative, axis=-1), "float32")
        count = ops.cast(batch, "float32") * ops.sum(valid, axis=0)  # per step
        losses = ops.sum(loss * valid, axis=(0, 1)) / count
        accuracies = ops.sum(correct * valid, axis=(0, 1)) / count
        return ([losses[k] for k in range(steps)], [accuracies[k] for k in range(steps)])

    def players(self):
        return [Player("cpc", [self], self.training_loss)]

    def training_loss(self, x, y=None, sample_weight=None, training=True, shared=None):
        """The loss of a batch (the logs' `loss`, plus weight regularization)."""
        if isinstance(x, (tuple, list, dict)):
            raise ValueError(
                "CPC trains on a batch of signals of one length (e.g. "
                "`audio_batches(..., crop_length=n)`), not on a structure such as "
                "(waves, mask); any labels go in `y`."
            )
        features = self.encoder(x, training=training)
        context = self.autoregressive(features, training=training)
        groups = y if self.negatives == "same_group" else None
        losses, accuracies = self.step_losses(features, context, groups, training=training)
        loss = ops.mean(ops.stack(losses))
        self._update_trackers(loss, losses, accuracies)
        return loss + regularization(self)

    def _update_trackers(self, loss, losses, accuracies):
        self._trackers["loss"].update_state(loss)
        self._trackers["accuracy"].update_state(ops.mean(ops.stack(accuracies)))
        for k, (step_loss, accuracy) in enumerate(zip(losses, accuracies), start=1):
            self._trackers[f"info_nce_{k}"].update_state(step_loss)
            self._trackers[f"accuracy_{k}"].update_state(accuracy)
        return {name: tracker.result() for name, tracker in self._trackers.items()}

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "autoregressive": keras.saving.serialize_keras_object(self.autoregressive),
            "prediction_steps": self.prediction_steps,
            "negatives": self.negatives,
            "num_negatives": self.num_negatives,
            "context_units": self.context_units,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("encoder", "autoregressive"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


def _output_shape(model):
    """The shape of a built model's single output, or None if it has none known."""
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        return None
    if not outputs or len(outputs) != 1:
        return None
    return tuple(outputs[0].shape)


def _check_other_sequences(global_batch):
    """`negatives="batch"` needs a second sequence to draw from."""
    backend.check_at_least(
        global_batch, 2,
        '`negatives="batch"` draws negatives from the other sequences of the batch, so '
        "every batch needs at least 2 sequences; a batch of 1 came (if it is the last "
        "batch of an epoch, drop it, e.g. `dataset.batch(n, drop_remainder=True)`).")


def _check_causal(autoregressive, features):
    """Builds the context network, checks its shape and that it never looks ahead.

    A change to the last frames of a random sequence must leave the earlier
    contexts alone; bidirectional layers and "same"-padded convolutions fail.
    """
    frames = 8
    rng = np.random.default_rng(0)
    sequence = rng.normal(size=(1, frames, features)).astype("float32")
    changed = sequence.copy()
    changed[:, frames // 2:] = rng.normal(size=changed[:, frames // 2:].shape)
    try:
        before = ops.convert_to_numpy(autoregressive(sequence, training=False))
        after = ops.convert_to_numpy(autoregressive(changed, training=False))
    except Exception as error:  # noqa: BLE001 (re-raised with what was expected)
        raise ValueError(
            "`autoregressive` must map (batch, frames, features) to (batch, frames, units); "
            f"it failed on an input of shape (1, {frames}, {features}): {error}"
        ) from error
    if before.ndim != 3 or before.shape[:2] != (1, frames):
        raise ValueError(
            "`autoregressive` must return one context per frame, (batch, frames, units) "
            "(a recurrent layer needs `return_sequences=True`). Received: an output of "
            f"shape {before.shape} for an input of shape (1, {frames}, {features})"
        )
    if not np.allclose(before[:, : frames // 2], after[:, : frames // 2], atol=1e-5):
        raise ValueError(
            "`autoregressive` looks ahead: changing the later frames of a sequence changed "
            "the contexts of earlier ones, so it would see the future it must predict. Use "
            'a causal network (a recurrent layer, `padding="causal"` convolutions, or '
            "attention with a causal mask)."
        )
    return before.shape
