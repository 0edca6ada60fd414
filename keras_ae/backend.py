"""The one place in keras-ae's library code that touches a backend directly.

`keras_ae.ops`, `layers` and `losses` stay on `keras.ops` so they run on every
backend. Keras has no backend-neutral run-time assertion, so `check_finite`
uses each backend's own: an eager check, `tf.debugging.check_numerics` in a
TensorFlow graph, and a host callback under JAX tracing. Contrastive models
draw their negatives from the global batch, across the replicas of a
`tf.distribute` strategy: `replica_count` and `cross_replica_concat` give
them what they need, and are plain no-ops outside a strategy.
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


def replica_count():
    """The number of replicas whose gradients are summed in one step.

    Under a `tf.distribute` strategy it is `num_replicas_in_sync`; Keras'
    optimizers sum the replicas' gradients, so a replica's loss is divided by
    it to take the mean over the global batch. Otherwise 1.
    """
    if keras.backend.backend() != "tensorflow":
        return 1
    import tensorflow as tf

    return tf.distribute.get_strategy().num_replicas_in_sync


def cross_replica_concat(x):
    """`x` of every replica, concatenated on axis 0, and where this replica's starts.

    In a `tf.distribute` replica context this is the differentiable
    `all_gather` (its gradient is the sum of the replicas' gradients, sliced
    back), so a loss on one replica's rows against the global batch gets the
    gradient of the global loss, as in SimCLR's cross-replica negatives
    (Chen et al. 2020, arXiv 2002.05709). Replicas may hold different numbers
    of rows (the last batch of an epoch). Elsewhere it returns `(x, 0)`.

    Args:
        x: a tensor with at least one axis.

    Returns:
        `(gathered, offset)`: the global tensor, and the index of this
        replica's first row in it (an int32 scalar).
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            sizes = context.all_gather(tf.shape(x)[:1], axis=0)
            replica = tf.cast(context.replica_id_in_sync_group, "int32")
            offset = tf.reduce_sum(sizes[:replica])
            return context.all_gather(x, axis=0), offset
    return x, ops.convert_to_tensor(0, "int32")
