from keras import ops


def gradient_reversal(x, factor=1.0):
    """Identity in the forward pass; multiplies the gradient by `-factor`.

    The gradient reversal of domain-adversarial training (Ganin & Lempitsky
    2015, arXiv 1409.7495): placed between an encoder and an adversary (a
    speaker classifier on a content code, say), a single minimisation trains
    the adversary to classify and the encoder to defeat it.

    Computed as `stop_gradient(x) - factor * (x - stop_gradient(x))`: the
    forward value is exactly `x` and the gradient exactly `-factor`, on every
    backend, without a backend-specific custom gradient.

    Args:
        x: tensor.
        factor: float or scalar tensor (e.g. a non-trainable variable, so it
            can be scheduled), the gradient multiplier λ. Not differentiated.

    Returns:
        A tensor equal to `x`.

    Example:

    >>> import keras, numpy as np, keras_ae
    >>> x = np.array([1.0, -2.0], "float32")
    >>> keras.ops.convert_to_numpy(keras_ae.ops.gradient_reversal(x, 0.5))
    array([ 1., -2.], dtype=float32)
    """
    x = ops.convert_to_tensor(x)
    factor = ops.stop_gradient(ops.cast(factor, x.dtype))
    out = ops.stop_gradient(x) - factor * (x - ops.stop_gradient(x))
    # x - stop_gradient(x) is inf - inf = NaN where x is infinite: keep x.
    return ops.where(ops.isfinite(x), out, x)
