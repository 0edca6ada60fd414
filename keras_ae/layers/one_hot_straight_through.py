import keras
from keras import ops

from keras_ae._checks import check_int
from keras_ae.ops import one_hot_argmax
from keras_ae.ops import straight_through


@keras.saving.register_keras_serializable(package="keras_ae")
class OneHotStraightThrough(keras.layers.Layer):
    """One-hot of the argmax forward, with the softmax's gradient backward.

    The deterministic discrete bottleneck of the lecture: the code is exactly
    one-hot in training and inference alike; gradients flow as if the layer
    were `softmax(logits)` (straight-through estimator).

    Args:
        axis: int, the category axis. Defaults to -1.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: logits, a floating tensor of rank >= 2 whose size along `axis`
            is known.

    Returns:
        A tensor of the inputs' shape in the compute dtype, one 1 per vector.

    Example:

    >>> import keras, numpy as np, keras_ae
    >>> layer = keras_ae.layers.OneHotStraightThrough()
    >>> keras.ops.convert_to_numpy(layer(np.array([[0.3, 2.0, -1.0]], "float32")))
    array([[0., 1., 0.]], dtype=float32)

    Reference:
        Bengio, Léonard & Courville 2013, "Estimating or propagating gradients
        through stochastic neurons", arXiv 1308.3432.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = check_int("axis", axis)
        self.supports_masking = True

    def build(self, input_shape):
        _check_category_axis(self, input_shape, self.axis)
        self.built = True

    def call(self, inputs):
        logits = ops.cast(inputs, "float32")
        soft = ops.softmax(logits, axis=self.axis)
        hard = one_hot_argmax(logits, axis=self.axis)
        return ops.cast(straight_through(hard, soft), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def _check_category_axis(layer, input_shape, axis):
    """Shared build-time check for layers with a category axis."""
    name = type(layer).__name__
    if len(input_shape) < 2:
        raise ValueError(
            f"{name} expects inputs of rank >= 2 (batch, ..., categories). "
            f"Received: input_shape={tuple(input_shape)}"
        )
    if not -len(input_shape) <= axis < len(input_shape):
        raise ValueError(
            f"{name}: `axis` is out of range for inputs of rank "
            f"{len(input_shape)}. Received: axis={axis}"
        )
    if input_shape[axis] is None:
        raise ValueError(
            f"{name} needs the size of the category axis to be known. "
            f"Received: input_shape={tuple(input_shape)}, axis={axis}"
        )
