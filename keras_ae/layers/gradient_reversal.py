import keras
from keras import ops

from keras_ae._checks import check_number
from keras_ae.ops import gradient_reversal


@keras.saving.register_keras_serializable(package="keras_ae")
class GradientReversal(keras.layers.Layer):
    """Identity forward; multiplies the gradient by `-factor` backward.

    Placed between an encoder and an adversary (a speaker or domain
    classifier on a content code, say), one minimisation of the adversary's
    loss trains the adversary to classify and, through the reversed
    gradient, the encoder to make the code useless to it
    (domain-adversarial training).

    The factor λ is a non-trainable float32 variable (`layer.factor`) saved
    with the weights, so a callback or a `train_step` can `assign` a
    schedule (the paper ramps λ from 0 to 1) after the layer is built.

    Args:
        factor: finite float >= 0, the initial λ. 0 blocks the gradient.
            Defaults to 1.0.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: a floating tensor.

    Returns:
        The inputs, unchanged, in the compute dtype.

    Example:

    >>> import numpy as np, keras, keras_ae
    >>> inputs = keras.Input((8,))
    >>> code = keras.layers.Dense(4)(inputs)
    >>> reversed_code = keras_ae.layers.GradientReversal(factor=0.5)(code)
    >>> speaker = keras.layers.Dense(3, activation="softmax")(reversed_code)
    >>> model = keras.Model(inputs, speaker)
    >>> tuple(model(np.zeros((2, 8), "float32")).shape)
    (2, 3)

    Reference:
        Ganin & Lempitsky 2015, "Unsupervised domain adaptation by
        backpropagation", arXiv 1409.7495.
    """

    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.initial_factor = check_number("factor", factor, low=0)
        self.supports_masking = True

    def build(self, input_shape):
        self.factor = self.add_weight(
            name="factor",
            shape=(),
            initializer=keras.initializers.Constant(self.initial_factor),
            trainable=False,
            dtype="float32",
            autocast=False,
        )
        self.built = True

    def call(self, inputs):
        return gradient_reversal(ops.cast(inputs, self.compute_dtype), self.factor)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": self.initial_factor}
