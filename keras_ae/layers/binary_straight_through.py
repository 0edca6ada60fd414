import keras
from keras import ops

from keras_ae._checks import check_bool
from keras_ae._checks import check_number
from keras_ae.ops import straight_through


@keras.saving.register_keras_serializable(package="keras_ae")
class BinaryStraightThrough(keras.layers.Layer):
    """Binary 0/1 codes forward, with the sigmoid's gradient backward.

    Each input is a logit. Forward, the output is exactly 0 or 1: the sigmoid
    thresholded at `threshold`, or, in training with `stochastic=True`, a
    Bernoulli sample with probability `sigmoid(logit)`. Backward, gradients
    flow as if the layer were `sigmoid(logits)` (straight-through estimator).
    In inference the code is always the deterministic threshold.

    Args:
        threshold: float in (0, 1), the probability above which a bit is 1.
            Defaults to 0.5.
        stochastic: bool, sample the bits in training. Defaults to False.
        seed: int or None, seed of the Bernoulli samples.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: logits, a floating tensor.
        training: bool, whether to sample (only with `stochastic=True`).

    Returns:
        A tensor of the inputs' shape in the compute dtype holding 0s and 1s.

    Example:

    >>> import keras, numpy as np, keras_ae
    >>> layer = keras_ae.layers.BinaryStraightThrough()
    >>> keras.ops.convert_to_numpy(layer(np.array([[-2.0, 0.5, 3.0]], "float32")))
    array([[0., 1., 1.]], dtype=float32)

    Reference:
        Bengio, Léonard & Courville 2013, arXiv 1308.3432; binary codes as
        interpretable embeddings: Hung-yi Lee, "More about Auto-Encoder".
    """

    def __init__(self, threshold=0.5, stochastic=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.threshold = check_number("threshold", threshold, 0, 1, low_open=True, high_open=True)
        self.stochastic = check_bool("stochastic", stochastic)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed) if stochastic else None
        self.supports_masking = True

    def call(self, inputs, training=False):
        probs = ops.sigmoid(ops.cast(inputs, "float32"))
        if self.stochastic and training:
            uniform = keras.random.uniform(ops.shape(probs), seed=self.seed_generator)
            bits = ops.cast(ops.less(uniform, probs), "float32")
        else:
            bits = ops.cast(ops.greater(probs, self.threshold), "float32")
        return ops.cast(straight_through(bits, probs), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "threshold": self.threshold,
            "stochastic": self.stochastic,
            "seed": self.seed,
        }
