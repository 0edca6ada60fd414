from keras import ops


def straight_through(forward, backward, assume_finite=False):
    """Return `forward` in the forward pass with the gradient of `backward`.

    The straight-through estimator (Bengio et al. 2013, arXiv 1308.3432): a
    non-differentiable value (a quantized vector, a one-hot argmax, a
    thresholded bit) is used forward, while gradients flow to `backward` as
    if the identity had been applied to it.

    The result is computed as `forward + (backward - stop_gradient(backward))`,
    so the forward value is exactly `forward` (the second term is exactly
    zero), which `backward + stop_gradient(forward - backward)` would not
    guarantee in floating point.

    Args:
        forward: tensor, the value to output.
        backward: tensor of the same shape, the value whose gradient is used.
        assume_finite: bool; True when the caller has already checked that
            `backward` is finite, which skips the guard that keeps `forward`
            where `backward` is infinite (`inf - inf` is NaN), an
            elementwise test and select in both passes.

    Returns:
        A tensor equal to `forward` whose gradient with respect to `backward`
        is the identity and with respect to `forward` is zero.

    Example:

    >>> import keras, numpy as np, keras_ae
    >>> soft = np.array([[0.2, 0.7, 0.1]], "float32")
    >>> hard = np.array([[0.0, 1.0, 0.0]], "float32")
    >>> keras.ops.convert_to_numpy(keras_ae.ops.straight_through(hard, soft))
    array([[0., 1., 0.]], dtype=float32)
    """
    forward = ops.convert_to_tensor(forward)
    backward = ops.convert_to_tensor(backward)
    if tuple(forward.shape) != tuple(backward.shape):
        raise ValueError(
            "`forward` and `backward` must have the same shape. Received: "
            f"forward.shape={tuple(forward.shape)}, "
            f"backward.shape={tuple(backward.shape)}"
        )
    backward = ops.cast(backward, forward.dtype)
    out = ops.stop_gradient(forward) + (backward - ops.stop_gradient(backward))
    if assume_finite:
        return out
    # backward - stop_gradient(backward) is NaN where backward is infinite.
    return ops.where(ops.isfinite(backward), out, forward)


def one_hot_argmax(x, axis=-1):
    """The exact one-hot of the argmax of `x` along `axis`, in `x`'s dtype.

    Not differentiable; combine with `straight_through` for a gradient.

    Args:
        x: tensor whose size along `axis` is known.
        axis: the category axis.

    Returns:
        A tensor of the shape and dtype of `x`, one 1 per vector along `axis`.

    Example:

    >>> import keras, numpy as np, keras_ae
    >>> x = np.array([[0.2, 0.7, 0.1]], "float32")
    >>> keras.ops.convert_to_numpy(keras_ae.ops.one_hot_argmax(x))
    array([[0., 1., 0.]], dtype=float32)
    """
    x = ops.convert_to_tensor(x)
    num_classes = x.shape[axis]
    if num_classes is None:
        raise ValueError(
            "The size of `x` along `axis` must be known. Received: "
            f"x.shape={tuple(x.shape)}, axis={axis}"
        )
    return ops.one_hot(ops.argmax(x, axis=axis), num_classes, axis=axis, dtype=x.dtype)
