import keras
from keras import ops

from keras_ae._checks import check_bool
from keras_ae._checks import check_int
from keras_ae._checks import check_number


@keras.saving.register_keras_serializable(package="keras_ae")
class InstanceNormalization(keras.layers.Layer):
    """Normalises each example and channel over all its other axes.

    For every example and every channel (the `axis`), the values along all
    the remaining non-batch axes (time for sequences, height and width for
    images) are shifted to mean 0 and scaled to variance 1, then multiplied
    by a learned per-channel `gamma` and shifted by a learned `beta`. Unlike
    batch normalisation it uses no batch statistics, so training and
    inference behave the same. Removing each utterance's or image's
    per-channel statistics removes much of its global "style" (speaker,
    timbre, contrast), which is why content encoders use it.

    With a Keras mask (e.g. `(batch, time)` for a padded sequence, from an
    `Embedding(mask_zero=True)` or a `Masking` layer) the statistics are
    computed over the unmasked positions only, so padding never changes the
    output at real positions; the mask is passed on. An example whose mask
    is all False is normalised over all its positions. The statistics are
    computed in float32.

    Args:
        axis: int, the channel axis; not the batch axis. Defaults to -1.
        epsilon: positive float added to the variance. Defaults to 1e-5.
        center: bool, add the learned offset `beta`. Defaults to True.
        scale: bool, multiply by the learned `gamma`. Defaults to True.
        beta_initializer: initializer of `beta`. Defaults to "zeros".
        gamma_initializer: initializer of `gamma`. Defaults to "ones".
        beta_regularizer: optional regularizer of `beta`.
        gamma_regularizer: optional regularizer of `gamma`.
        beta_constraint: optional constraint of `beta`.
        gamma_constraint: optional constraint of `gamma`.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: a floating tensor of rank >= 3, e.g. `(batch, time, channels)`
            or `(batch, height, width, channels)`, whose size along `axis` is
            known.
        mask: optional boolean tensor over the leading non-channel axes, e.g.
            `(batch, time)`; True marks real positions.

    Returns:
        A tensor of the inputs' shape in the compute dtype.

    Example:

    >>> import numpy as np, keras_ae
    >>> x = np.random.default_rng(0).normal(3.0, 2.0, (2, 50, 4)).astype("float32")
    >>> y = keras_ae.layers.InstanceNormalization()(x)
    >>> bool(np.allclose(np.asarray(y).mean(axis=1), 0.0, atol=1e-5))
    True

    Reference:
        Ulyanov, Vedaldi & Lempitsky 2016, "Instance normalization: the
        missing ingredient for fast stylization", arXiv 1607.08022.
    """

    # `keras.layers.GroupNormalization(groups=-1)` computes the same maths
    # without a mask, but its `call` takes no mask: padded steps would enter
    # the statistics of every real step of a padded sequence. Hence this
    # layer (the tests check it matches GroupNormalization when unmasked).

    def __init__(
        self,
        axis=-1,
        epsilon=1e-5,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.axis = check_int("axis", axis)
        self.epsilon = check_number("epsilon", epsilon, low=0, low_open=True)
        self.center = check_bool("center", center)
        self.scale = check_bool("scale", scale)
        self.beta_initializer = keras.initializers.get(beta_initializer)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.beta_regularizer = keras.regularizers.get(beta_regularizer)
        self.gamma_regularizer = keras.regularizers.get(gamma_regularizer)
        self.beta_constraint = keras.constraints.get(beta_constraint)
        self.gamma_constraint = keras.constraints.get(gamma_constraint)
        self.supports_masking = True
        # The inputs are used as given and cast to float32 here, not first
        # cast to float16 by Keras, where large values would lose precision.
        self.autocast = False

    def build(self, input_shape):
        rank = len(input_shape)
        if rank < 3:
            raise ValueError(
                "InstanceNormalization needs inputs of rank >= 3, e.g. (batch, "
                "time, channels) or (batch, height, width, channels): with rank "
                f"{rank} there is no axis to normalise over. Received: "
                f"input_shape={tuple(input_shape)}"
            )
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(
                f"`axis` must be a non-batch axis of inputs of rank {rank}. "
                f"Received: axis={self.axis}, input_shape={tuple(input_shape)}"
            )
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(
                f"The size of the inputs along `axis` must be known. Received: "
                f"axis={self.axis}, input_shape={tuple(input_shape)}"
            )
        self.input_spec = keras.layers.InputSpec(min_ndim=3, axes={self.axis: channels})
        if self.scale:
            self.gamma = self.add_weight(
                name="gamma",
                shape=(channels,),
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,
            )
        else:
            self.gamma = None
        if self.center:
            self.beta = self.add_weight(
                name="beta",
                shape=(channels,),
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,
            )
        else:
            self.beta = None
        self.built = True

    def call(self, inputs, mask=None):
        x = ops.cast(inputs, "float32")
        rank = len(x.shape)
        axis = self.axis % rank
        mean, variance = instance_moments(x, axis, mask)
        inv = ops.rsqrt(variance + self.epsilon)
        broadcast_shape = [1] * rank
        broadcast_shape[axis] = x.shape[axis]
        if self.scale:
            gamma = ops.cast(self.gamma, "float32")
            inv = inv * ops.reshape(gamma, broadcast_shape)
        # (x - mean) * inv rather than x * inv - mean * inv: no cancellation
        # between two large terms when the mean is large against the spread.
        outputs = (x - mean) * inv
        if self.center:
            beta = ops.cast(self.beta, "float32")
            outputs = outputs + ops.reshape(beta, broadcast_shape)
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": keras.initializers.serialize(self.beta_initializer),
            "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
            "beta_regularizer": keras.regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": keras.regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": keras.constraints.serialize(self.beta_constraint),
            "gamma_constraint": keras.constraints.serialize(self.gamma_constraint),
        }


def instance_moments(x, channel_axis, mask=None):
    """Per-example, per-channel mean and variance of a float32 `x`.

    Reduces over every axis but the batch axis and `channel_axis`, keeping
    the reduced axes. With `mask` (boolean, over the leading non-channel axes
    of `x`), only the True positions count; an example without any True
    position uses all of its positions.
    """
    rank = len(x.shape)
    axes = [a for a in range(1, rank) if a != channel_axis]
    if mask is None:
        mean = ops.mean(x, axis=axes, keepdims=True)
        variance = ops.mean(ops.square(x - mean), axis=axes, keepdims=True)
        return mean, variance
    mask = _broadcastable_mask(mask, x.shape, channel_axis)
    # An all-padding example would otherwise get variance 0 and be divided by
    # sqrt(epsilon), which can overflow float16 downstream.
    mask = ops.logical_or(
        mask, ops.logical_not(ops.any(mask, axis=list(range(1, rank)), keepdims=True))
    )
    weights = ops.broadcast_to(ops.cast(mask, "float32"), ops.shape(x))
    count = ops.maximum(ops.sum(weights, axis=axes, keepdims=True), 1.0)
    # `where`, not a product: padding may hold anything, even inf or NaN.
    mean = ops.sum(ops.where(mask, x, 0.0), axis=axes, keepdims=True) / count
    centered = ops.where(mask, x - mean, 0.0)
    variance = ops.sum(ops.square(centered), axis=axes, keepdims=True) / count
    return mean, variance


def _broadcastable_mask(mask, shape, channel_axis):
    rank = len(shape)
    non_channel = [a for a in range(rank) if a != channel_axis]
    mask = ops.convert_to_tensor(mask)
    mask_rank = len(mask.shape)
    if not 2 <= mask_rank < rank or any(
        m is not None and s is not None and m != s
        for m, s in zip(mask.shape, [shape[a] for a in non_channel])
    ):
        raise ValueError(
            "The mask must cover the batch axis and leading non-channel axes "
            f"of the inputs, e.g. (batch, time) for inputs (batch, time, "
            f"channels). Received: mask.shape={tuple(mask.shape)}, "
            f"inputs.shape={tuple(shape)}"
        )
    mask = ops.cast(mask, "bool")
    # Insert size-1 axes, in increasing order, where the mask has no axis.
    for a in sorted([channel_axis] + non_channel[mask_rank:]):
        mask = ops.expand_dims(mask, a)
    return mask
