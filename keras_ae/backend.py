"""The one place in keras-ae's library code that touches a backend directly.

`keras_ae.ops`, `layers` and `losses` stay on `keras.ops` so they run on every
backend. Keras has no backend-neutral run-time assertion, so `check_finite`
uses each backend's own: an eager check, `tf.debugging.check_numerics` in a
TensorFlow graph, and a host callback under JAX tracing.
"""

import keras
import numpy as np
from keras import ops


def check_finite(x, name):
    """Returns `x`, raising an error at run time if it has NaN or Inf.

    Use it on inputs that would silently corrupt state (an EMA codebook, a
    running statistic) if they were not finite.

    Args:
        x: a floating tensor.
        name: what `x` is, for the error message (e.g. "VectorQuantizer input").

    Returns:
        `x` itself (under TensorFlow, a tensor that depends on the check).

    Raises:
        ValueError (eagerly), or the backend's runtime error wrapping the same
        message inside a compiled function.

    Example:

    >>> import numpy as np
    >>> from keras_ae.backend import check_finite
    >>> _ = check_finite(np.ones(3, "float32"), "x")
    """
    message = (
        f"{name} contains NaN or Inf values. Refusing to use them: they would "
        "corrupt the layer's state. Check the data and the learning rate."
    )
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        if tf.executing_eagerly():
            _raise_if_not_finite(ops.convert_to_numpy(x), message)
            return x
        return tf.debugging.check_numerics(x, message)
    if backend == "jax":
        import jax

        if isinstance(x, jax.core.Tracer):
            jax.debug.callback(
                lambda ok: _raise_if_false(bool(ok), message),
                ops.all(ops.isfinite(x)),
            )
            return x
    _raise_if_not_finite(ops.convert_to_numpy(x), message)
    return x


def _raise_if_not_finite(value, message):
    if not np.all(np.isfinite(value)):
        raise ValueError(message)


def _raise_if_false(ok, message):
    if not ok:
        raise ValueError(message)
