import keras
from keras import ops

from keras_ae._checks import check_int


@keras.saving.register_keras_serializable(package="keras_ae")
class CumulativeMeanNormalization(keras.layers.Layer):
    """Subtracts from every step the mean of the steps up to it.

    `y_t = x_t - (x_1 + ... + x_t) / t` along the time axis: the online
    (causal) form of cepstral mean normalization. On log-mel or cepstral
    frames, a fixed filter on the signal (a microphone, a room, much of a
    voice's timbre) adds a constant to every frame; subtracting the running
    mean removes it, and step t still depends on steps up to t only, so the
    layer can sit under a causal model such as CPC's context network. The
    first step of every sequence becomes 0, and the estimate of the constant
    improves as the sequence goes on.

    Padding at the end of a sequence (e.g. a padded batch) never reaches
    the real steps before it; the mask is passed on unchanged. Computed in
    float32.

    Args:
        axis: int, the time axis; not the batch axis. Defaults to 1, for
            `(batch, time, features)`.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: a floating tensor of rank >= 2, e.g. `(batch, time, features)`.

    Returns:
        A tensor of the inputs' shape in the compute dtype.

    Example:

    >>> import numpy as np, keras_ae
    >>> x = np.array([[[1.0], [3.0], [5.0]]], "float32")
    >>> np.asarray(keras_ae.layers.CumulativeMeanNormalization()(x))[0, :, 0].tolist()
    [0.0, 1.0, 2.0]
    """

    def __init__(self, axis=1, **kwargs):
        super().__init__(**kwargs)
        self.axis = check_int("axis", axis)
        if self.axis == 0:
            raise ValueError(
                f"`axis` must be a non-zero int (the time axis, not the batch axis). "
                f"Received: axis={axis!r}"
            )
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        axis = self.axis % rank if -rank <= self.axis < rank else None
        if rank < 2 or axis in (None, 0):
            raise ValueError(
                f"`axis`={self.axis} is not a non-batch axis of inputs of shape "
                f"{tuple(input_shape)}."
            )
        self._axis = axis
        super().build(input_shape)

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        steps = ops.shape(x)[self._axis]
        count_shape = [1] * len(x.shape)
        count_shape[self._axis] = steps
        counts = ops.reshape(ops.arange(1, steps + 1, dtype="float32"), count_shape)
        outputs = x - ops.cumsum(x, axis=self._axis) / counts
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis})
        return config
