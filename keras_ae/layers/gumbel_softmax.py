import keras
from keras import ops

from keras_ae._checks import check_bool
from keras_ae._checks import check_int
from keras_ae._checks import check_number
from keras_ae.layers.one_hot_straight_through import _check_category_axis
from keras_ae.ops import gumbel_softmax
from keras_ae.ops import one_hot_argmax


@keras.saving.register_keras_serializable(package="keras_ae")
class GumbelSoftmax(keras.layers.Layer):
    """Samples relaxed one-hot codes in training, exact one-hot in inference.

    In training the output is `softmax((logits + g) / τ)` with Gumbel noise
    `g`: a differentiable sample of the categorical distribution
    `softmax(logits)` that becomes one-hot as τ → 0. With `hard=True` the
    forward value is the exact one-hot of that sample and the gradient is the
    relaxed sample's (straight-through Gumbel-softmax). In inference the
    output is the one-hot of `argmax(logits)`.

    The temperature τ is a non-trainable float32 variable (`layer.temperature`)
    that is saved with the weights; `keras_ae.models.DiscreteAutoEncoder`
    anneals it in its training step (`anneal_rate`). The noise and the softmax
    are computed in float32.

    Args:
        temperature: positive float, the initial τ. Defaults to 1.0.
        hard: bool, straight-through one-hot samples in training.
            Defaults to False.
        axis: int, the category axis. Defaults to -1.
        seed: int or None, seed of the Gumbel noise.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: logits, a floating tensor of rank >= 2 whose size along `axis`
            is known.
        training: bool, sample (True) or take the argmax (False).

    Returns:
        A tensor of the inputs' shape in the compute dtype.

    Example:

    >>> import numpy as np, keras_ae
    >>> layer = keras_ae.layers.GumbelSoftmax(temperature=0.5, hard=True, seed=0)
    >>> codes = layer(np.zeros((4, 10), "float32"), training=True)
    >>> tuple(codes.shape)
    (4, 10)

    Reference:
        Jang, Gu & Poole 2017, "Categorical reparameterization with
        Gumbel-softmax", arXiv 1611.01144.
    """

    def __init__(self, temperature=1.0, hard=False, axis=-1, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.initial_temperature = check_number("temperature", temperature, low=0, low_open=True)
        self.hard = check_bool("hard", hard)
        self.axis = check_int("axis", axis)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def build(self, input_shape):
        _check_category_axis(self, input_shape, self.axis)
        self.temperature = self.add_weight(
            name="temperature",
            shape=(),
            initializer=keras.initializers.Constant(self.initial_temperature),
            trainable=False,
            dtype="float32",
            autocast=False,
        )
        self.built = True

    def call(self, inputs, training=False):
        if training:
            codes = gumbel_softmax(
                ops.cast(inputs, "float32"),
                temperature=self.temperature,
                hard=self.hard,
                seed=self.seed_generator,
                axis=self.axis,
            )
        else:
            codes = one_hot_argmax(ops.cast(inputs, "float32"), axis=self.axis)
        return ops.cast(codes, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "temperature": self.initial_temperature,
            "hard": self.hard,
            "axis": self.axis,
            "seed": self.seed,
        }
