import numpy as np


def tokenize_input(tokenizer, x):
    """`fit`'s input with its strings turned into ids, in the input pipeline.

    A tokenizer from tensorflow-text runs in TensorFlow only, so a model
    with a tokenizer trains on strings on the TensorFlow backend alone; on
    JAX and PyTorch its `fit` first sends the strings through this, so the
    step gets ids. A `tf.data.Dataset` is mapped (its first component when
    its elements are tuples); a list or array of strings is tokenized at
    once. Anything else (ids already) is returned unchanged.

    Args:
        tokenizer: a layer from strings to ids, e.g.
            `keras_ae.text.WordPieceTokenizer`.
        x: what `fit` was given as `x`.

    Example:

    >>> import numpy as np, keras_ae
    >>> tokenizer = keras_ae.text.WordPieceTokenizer(["[PAD]", "[UNK]", "a", "cat"],
    ...                                              sequence_length=3)
    >>> np.asarray(keras_ae.text.tokenize_input(tokenizer, ["a cat", "cat"]))
    array([[2, 3, 0],
           [3, 0, 0]], dtype=int32)
    """
    import tensorflow as tf

    message = ("An empty sentence (no tokens) came: every sentence must have at least one "
               "token. Remove empty lines (the loaders' `drop_empty`).")
    if isinstance(x, tf.data.Dataset):
        def tokenize(*element):
            first = element[0]
            if first.dtype == tf.string:
                first = tokenizer(first)
                # Checked here, in the pipeline, before any training step runs.
                lengths = tf.reduce_sum(tf.cast(tf.not_equal(first, 0), "int32"), axis=-1)
                with tf.control_dependencies(
                        [tf.debugging.assert_greater(lengths, 0, message=message)]):
                    first = tf.identity(first)
            return (first, *element[1:]) if len(element) > 1 else first

        return x.map(tokenize, num_parallel_calls=tf.data.AUTOTUNE)
    if isinstance(x, (list, tuple)) and x and isinstance(x[0], str) or (
            isinstance(x, np.ndarray) and x.dtype.kind in "OUS"):
        return np.asarray(tokenizer(tf.constant(list(np.asarray(x).ravel()))))
    return x
