"""The one place in keras-ae's library code, besides `keras_ae.training`, that touches a backend.

`keras_ae.ops`, `layers`, `losses` and `models` stay on `keras.ops` so they
run on every backend. Keras has no backend-neutral run-time assertion, so
`check` uses each backend's own: an eager check, `tf.debugging.Assert` in
a TensorFlow graph, a host callback under JAX tracing, and
`torch._assert_async` under `torch.compile`. Contrastive
models draw their negatives from the global batch: `cross_replica_concat`
gathers a tensor across the replicas of a `tf.distribute` strategy; on JAX
with `keras.distribution`, the step already sees the global batch, and it
is a no-op. `segment_sum` is `keras.ops.segment_sum` without the PyTorch
backend's `(N, D)` copy of the segment ids.
"""

import keras
import numpy as np
from keras import ops


def check(condition, message):
    """Raises `ValueError(message)` unless every element of `condition` is true.

    Checks at once when `condition` is known (a Python bool, a numpy value,
    an eager tensor); inside a compiled function (`tf.function`, `jax.jit`,
    `torch.compile`),
    when the function runs. The one way keras-ae checks a value it cannot
    see while tracing, such as the size of a batch.

    Args:
        condition: a bool, or a boolean tensor.
        message: the error's message.

    Raises:
        ValueError (at once), or the backend's run-time error carrying the
        same message inside a compiled function.

    Example:

    >>> from keras_ae.backend import check
    >>> check(3 >= 2, "a batch needs at least 2 rows")
    """
    if isinstance(condition, (bool, np.bool_, np.ndarray)):
        _raise_unless(condition, message)
        return
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        if not tf.executing_eagerly() and tf.is_symbolic_tensor(condition):
            # A stateful op: tf.function runs it even though nothing uses it.
            tf.debugging.Assert(tf.reduce_all(condition), [message])
            return
    elif backend == "jax":
        import jax

        if isinstance(condition, jax.core.Tracer):
            # np.asarray first: a JAX operation on `ok` inside the callback (np.all
            # dispatches to jnp.all) can deadlock the runtime that is running it.
            jax.debug.callback(lambda ok: _raise_unless(np.asarray(ok), message),
                               ops.all(condition))
            return
    elif backend == "torch":
        import torch

        if torch.compiler.is_compiling():
            # Reading the value back would break the compiled graph in two; an
            # asynchronous assertion stays in it (a RuntimeError with the message).
            torch._assert_async(ops.all(condition), message)
            return
    _raise_unless(ops.convert_to_numpy(condition), message)


def checked(value, condition, message):
    """`value`, once `check(condition, message)` has passed.

    In a TensorFlow graph the check runs before anything that uses the
    returned value (a control dependency), so an op that would fail on bad
    values first (a gather of an index out of range) reports this message
    instead.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        if not tf.executing_eagerly() and tf.is_symbolic_tensor(condition):
            with tf.control_dependencies([tf.debugging.Assert(tf.reduce_all(condition),
                                                              [message])]):
                return tf.identity(value)
    check(condition, message)
    return value


def compiled(function):
    """`function` compiled by the backend: `tf.function`, `jax.jit`, or as it is.

    For inference-time numerics written with `keras.ops` (Griffin-Lim's
    loop of STFTs), which run many small ops: compiled, they run as one
    graph. The function is traced again for every new input shape, so call
    it on a few shapes (pad to buckets).
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(function, autograph=False)
    if backend == "jax":
        import jax

        return jax.jit(function)
    return function


def _raise_unless(condition, message):
    if not np.all(condition):
        raise ValueError(message)


def check_at_least(value, minimum, message):
    """`check(value >= minimum)`, at once when `value` is a Python int (a static size)."""
    if isinstance(value, (int, np.integer)):
        _raise_unless(value >= minimum, f"{message} Received: {int(value)}.")
        return
    check(ops.greater_equal(value, minimum), message)


def cross_replica_concat(x):
    """`x` of every replica, concatenated on axis 0, and where this replica's starts.

    In a `tf.distribute` replica context this is the differentiable
    `all_gather` (its gradient is the sum of the replicas' gradients, sliced
    back), so a loss on one replica's rows against the global batch gets the
    gradient of the global loss, as in SimCLR's cross-replica negatives
    (Chen et al. 2020, arXiv 2002.05709). Replicas may hold different numbers
    of rows (the last batch of an epoch). Elsewhere (one device, or JAX,
    whose step sees the whole global batch) it returns `(x, 0)`.

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


def cross_replica_sum(x):
    """The sum of `x` over the replicas of a `tf.distribute` strategy; `x` elsewhere.

    Statistics of the global batch (a codebook's counts) that every replica
    must agree on, on one machine or many.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            return context.all_reduce(tf.distribute.ReduceOp.SUM, x)
    return x


def segment_sum(data, segment_ids, num_segments):
    """`keras.ops.segment_sum(data, segment_ids, num_segments)`, in O(N·D) on every backend.

    The sum of the rows of `data` `(N, ...)` that each segment id `(N,)`
    in `[0, num_segments)` names, `(num_segments, ...)`. Keras' PyTorch
    backend repeats the ids to the shape of `data` (an int64 tensor as large
    as it) and scatters element by element; `torch.index_add` adds whole
    rows, as TensorFlow's and JAX's segment sums do.
    """
    if keras.backend.backend() == "torch":
        import torch

        data = ops.convert_to_tensor(data)
        segment_ids = ops.convert_to_tensor(segment_ids)
        zeros = torch.zeros((num_segments, *data.shape[1:]), dtype=data.dtype,
                            device=data.device)
        return torch.index_add(zeros, 0, segment_ids.to(torch.int64), data)
    return ops.segment_sum(data, segment_ids, num_segments=num_segments)


def update_metric(metric, *args):
    """`metric.update_state(*args)` from inside a layer's `call`, on every backend.

    keras-ae's training steps carry every metric's variables, so an update
    made in `call` reaches the logs. Keras' own JAX step runs the forward
    pass statelessly without the metrics' variables (their values are held
    outside the model during `fit`); there the update is skipped instead of
    failing, and the metric stays at 0.
    """
    if keras.backend.backend() == "jax":
        try:
            for variable in metric.variables:
                ops.convert_to_tensor(variable)
        except TypeError:  # a variable whose value `fit` holds elsewhere
            return
    metric.update_state(*args)


def is_symbolic(x):
    """Whether `x` is a symbolic tensor: a `keras.Input`, or a tensor being traced
    (in a `tf.function`, under `jax.jit`), whose values are not known yet."""
    if isinstance(x, keras.KerasTensor):
        return True
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.is_tensor(x) and tf.is_symbolic_tensor(x)
    if backend == "jax":
        import jax

        return isinstance(x, jax.core.Tracer)
    return False


def steps_run_tensorflow():
    """Whether training steps run TensorFlow ops (tensorflow-text's tokenizers).

    True on the TensorFlow backend; on JAX and PyTorch such preprocessing
    belongs in the input pipeline instead.
    """
    return keras.backend.backend() == "tensorflow"
