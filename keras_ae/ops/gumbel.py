import keras
from keras import ops

from keras_ae.ops.straight_through import one_hot_argmax
from keras_ae.ops.straight_through import straight_through


def gumbel_noise(shape, seed=None, dtype="float32"):
    """Samples standard Gumbel noise `-log(-log(u))`, never taking `log(0)`.

    `u` is drawn uniformly from `[tiny, 1)` where `tiny` is the smallest
    normal number of `dtype`, so both logarithms stay finite: `-log(u)` is at
    least `-log(1 - 2**-24) > 0` for float32 and at most `-log(tiny)`.

    Args:
        shape: the shape of the sample.
        seed: an int, a `keras.random.SeedGenerator`, or None.
        dtype: a floating dtype; float32 is recommended (the layers compute
            in float32 under mixed precision).

    Returns:
        A tensor of `shape` with i.i.d. Gumbel(0, 1) samples.

    Example:

    >>> import keras_ae
    >>> g = keras_ae.ops.gumbel_noise((2, 3), seed=0)
    >>> tuple(g.shape)
    (2, 3)
    """
    tiny = float(_finfo_tiny(dtype))
    u = keras.random.uniform(shape, minval=tiny, maxval=1.0, dtype=dtype, seed=seed)
    # -log(u) > 0 because u < 1; clamp it away from 0 as well so the outer log
    # stays finite if a backend ever returns exactly the upper bound.
    return -ops.log(ops.maximum(-ops.log(u), tiny))


def gumbel_softmax(logits, temperature=1.0, hard=False, seed=None, axis=-1):
    """Draws a relaxed one-hot sample from the Gumbel-softmax distribution.

    `softmax((logits + g) / temperature)` with `g` standard Gumbel noise
    (Jang et al. 2017, arXiv 1611.01144; Maddison et al. 2017, arXiv
    1611.00712). With `hard=True` the sample is the exact one-hot of its
    argmax in the forward pass, with the gradient of the relaxed sample
    (straight-through Gumbel-softmax). Computed in float32; the result has
    the dtype of `logits`.

    Args:
        logits: tensor of unnormalised log-probabilities along `axis`.
        temperature: positive float or scalar tensor, τ.
        hard: bool, whether to return exact one-hot vectors forward.
        seed: an int, a `keras.random.SeedGenerator`, or None.
        axis: the category axis.

    Returns:
        A tensor with the shape and dtype of `logits`.

    Example:

    >>> import keras, numpy as np, keras_ae
    >>> logits = np.log(np.array([[0.1, 0.6, 0.3]], "float32"))
    >>> y = keras_ae.ops.gumbel_softmax(logits, temperature=0.5, hard=True, seed=1)
    >>> float(keras.ops.sum(y))
    1.0
    """
    logits = ops.convert_to_tensor(logits)
    if isinstance(temperature, (int, float)) and temperature <= 0:
        raise ValueError(
            f"`temperature` must be positive. Received: temperature={temperature}"
        )
    out_dtype = logits.dtype
    logits32 = ops.cast(logits, "float32")
    noise = gumbel_noise(ops.shape(logits32), seed=seed, dtype="float32")
    soft = ops.softmax((logits32 + noise) / ops.cast(temperature, "float32"), axis=axis)
    if hard:
        one_hot = one_hot_argmax(soft, axis=axis)
        soft = straight_through(one_hot, soft)
    return ops.cast(soft, out_dtype)


def _finfo_tiny(dtype):
    import numpy as np

    name = keras.backend.standardize_dtype(dtype)
    if name == "bfloat16":
        return 1.1754944e-38
    return np.finfo(name).tiny
