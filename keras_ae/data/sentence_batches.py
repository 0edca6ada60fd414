import numpy as np

from keras_ae._checks import check_int


def sentence_batches(sentences, batch_size, shuffle=False, seed=0, drop_remainder=True):
    """A `tf.data` pipeline of batches of consecutive sentences, for Quick-Thought.

    Quick-Thought's targets are the neighbours of each sentence within its
    batch and its negatives are the other sentences of the batch, so a batch
    is a run of consecutive sentences of one book: row `i + 1` is the
    sentence after row `i`. Each book is cut into consecutive,
    non-overlapping chunks of `batch_size` sentences; a batch never spans two
    books.

    With `shuffle=True`, every epoch (reproducibly from `seed`, differently
    each epoch):

    - the chunking of each book starts at a random offset in
      `[0, batch_size)`, so the batch edges move and the sentences cut from
      their neighbour at an edge differ from epoch to epoch (a book of fewer
      than `2 * batch_size - 1` sentences gets a smaller range of offsets,
      so that it still holds a whole batch);
    - the order of the chunks, over all books, is shuffled. The sentences
      within a chunk keep their order.

    The sentences of a book before its first whole chunk (the offset) and
    after its last one are dropped with `drop_remainder=True` (a different
    few each epoch when shuffling), as are books shorter than `batch_size`;
    with `drop_remainder=False` they come as smaller batches. So with
    shuffling, the number of batches may differ by one per book from one
    epoch to the next, and the dataset's length is unknown: Keras' `fit`
    counts the first epoch's batches and runs later epochs to that count or
    to the end of the data, whichever comes first (with a harmless "ran out
    of data" warning). For epochs of a fixed length, pass `dataset.repeat()`
    and `steps_per_epoch`.

    Args:
        sentences: a list of strings (one book), or a dict or list of such
            lists (several books), e.g. from `keras_ae.data.gutenberg`.
            Sentences must not be empty (`gutenberg()` drops empty lines).
        batch_size: int >= 2, the sentences per batch (a sentence needs a
            neighbour in its batch).
        shuffle: bool, see above. False: the chunks of the first book from
            its start, then those of the second book, and so on.
        seed: int, seed of the offsets and of the shuffling.
        drop_remainder: bool, drop the chunks shorter than `batch_size`
            (True), or keep them as smaller batches, of as little as one
            sentence (False), so that every sentence comes once per epoch.

    Returns:
        A `tf.data.Dataset` of string tensors of shape `(batch_size,)` (or
        `(None,)` with `drop_remainder=False`).

    Example:

    >>> from keras_ae.data import sentence_batches
    >>> book = ["It rains .", "I stay in .", "I read .", "The sun is out .", "I go ."]
    >>> [b.numpy().tolist() for b in sentence_batches(book, batch_size=2)]
    [[b'It rains .', b'I stay in .'], [b'I read .', b'The sun is out .']]
    """
    import tensorflow as tf

    books, names = _books(sentences)
    # A sentence needs a neighbour in its batch.
    batch_size = check_int("batch_size", batch_size, 2)
    seed = check_int("seed", seed)
    lengths = np.array([len(book) for book in books], "int64")
    if drop_remainder and lengths.max() < batch_size:
        raise ValueError(
            f"No batch of `batch_size={batch_size}` sentences: the longest book has "
            f"{lengths.max()}. Pass a smaller `batch_size`, or `drop_remainder=False`."
        )

    flat = tf.constant([s for book in books for s in book], tf.string)
    total = int(lengths.sum())
    book_of = tf.constant(np.repeat(np.arange(len(books)), lengths), tf.int32)
    position = tf.constant(
        np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths), tf.int32
    )
    # Offsets range over [0, max_offset): the full batch_size for long books,
    # less for short ones so that they keep a whole chunk.
    max_offset = tf.constant(np.clip(lengths - batch_size + 1, 1, batch_size), tf.int32)

    def chunks(offsets):
        # A chunk starts where a book starts, or `offset` + a multiple of
        # batch_size sentences into it.
        shifted = position - tf.gather(offsets, book_of)
        starts = tf.where((position == 0) | (shifted % batch_size == 0))[:, 0]
        ends = tf.concat([starts[1:], tf.constant([total], tf.int64)], 0)
        if drop_remainder:
            whole = tf.equal(ends - starts, batch_size)
            starts, ends = tf.boolean_mask(starts, whole), tf.boolean_mask(ends, whole)
        return starts, ends

    if shuffle:
        def epoch(seeds):
            offsets = tf.random.stateless_uniform(
                (len(books),), seed=seeds[0], minval=0, maxval=tf.int32.max, dtype=tf.int32
            ) % max_offset  # a bias of < batch_size / 2**31
            starts, ends = chunks(offsets)
            order = tf.random.experimental.stateless_shuffle(tf.range(tf.size(starts)), seeds[1])
            return tf.data.Dataset.from_tensor_slices(
                (tf.gather(starts, order), tf.gather(ends, order))
            )

        # Two stateless seed pairs per epoch, from a random stream that moves
        # on every epoch: offsets and order differ between epochs, not runs.
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
        dataset = seeds.take(4).batch(4).map(lambda s: tf.reshape(s, (2, 2))).flat_map(epoch)
    else:
        dataset = tf.data.Dataset.from_tensor_slices(chunks(tf.zeros(len(books), tf.int32)))

    shape = (batch_size,) if drop_remainder else (None,)
    dataset = dataset.map(lambda start, end: tf.ensure_shape(flat[start:end], shape))
    return dataset.prefetch(tf.data.AUTOTUNE)


def _books(sentences):
    # The books as lists of str, and their names for the error messages.
    if isinstance(sentences, dict):
        names = [f"sentences[{name!r}]" for name in sentences]
        books = list(sentences.values())
    elif isinstance(sentences, list | tuple) and any(isinstance(s, str) for s in sentences):
        names, books = ["sentences"], [sentences]  # one book
    elif isinstance(sentences, list | tuple):
        names = [f"sentences[{i}]" for i in range(len(sentences))]
        books = list(sentences)
    else:
        raise ValueError(
            f"`sentences` must be a list of str, or a dict or list of lists of str. "
            f"Received: sentences of type {type(sentences).__name__}"
        )
    if not books or not sentences:
        raise ValueError(f"`sentences` holds no sentences. Received: sentences={sentences!r}")
    for name, book in zip(names, books):
        if not isinstance(book, list | tuple) or not book:
            raise ValueError(
                f"`{name}` must be a non-empty list of str (a book). Received: "
                f"{type(book).__name__} {book!r:.80}"
            )
        for i, s in enumerate(book):
            if not isinstance(s, str):
                raise ValueError(
                    f"`{name}[{i}]` must be a str. Received: {type(s).__name__} {s!r:.80}"
                )
            if not s.strip():
                raise ValueError(
                    f"`{name}[{i}]` is an empty sentence ({s!r}); Quick-Thought cannot embed it. "
                    f"Leave it out (`keras_ae.data.gutenberg` does, with drop_empty=True)."
                )
    return books, names
