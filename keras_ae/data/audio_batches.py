import numpy as np

from keras_ae._checks import check_int


def audio_batches(waveforms, labels=None, batch_size=32, crop_length=None, shuffle=False,
                  seed=0, pad_to_multiple=None, group_by_length=None):
    """A `tf.data` pipeline of clips of different lengths, batched.

    Two ways to batch clips that differ in length:

    - `crop_length=None`: each batch is padded with zeros to its longest
      clip, and comes with a mask (1 on real samples, 0 on padding), so
      models can ignore the padding (e.g. `InstanceNormalization` and Keras'
      masking take it). With `pad_to_multiple=m` the padded length is
      rounded up to a multiple of `m` samples, so that the batches come
      in few shapes (JAX compiles a step for every new shape). With
      `group_by_length=g`, each run of `g * batch_size` clips (after the
      shuffle) is sorted by length before it is cut into batches, and
      those `g` batches are shuffled again: the clips of a batch are then
      of about the same length, so less of each batch is padding (the
      length-grouped sampling of Hugging Face's `group_by_length`). The
      two together made training steps faster on every backend, and
      grouping alone slower on JAX and PyTorch
      (`benchmarks/padded_batches.py`, measured in `benchmarks/README.md`).
    - `crop_length=n`: every clip is cut to a random window of `n` samples
      (a new window each epoch, reproducible from `seed`); shorter clips are
      zero-padded at the end. For training on fixed-length examples.

    Args:
        waveforms: list of 1-d float arrays (e.g. from `keras_ae.data.fsdd`).
        labels: None, or an array (or a tuple of arrays) with one entry per
            clip, passed through with each batch.
        batch_size: int >= 1.
        crop_length: None or int >= 1, see above.
        shuffle: bool, reshuffle the clips every epoch.
        seed: int, seed of the shuffling and of the crops.
        pad_to_multiple: None or int >= 1, padded batches only: their
            length is rounded up to a multiple of it (e.g. 800 samples,
            0.1 s at 8 kHz), the extra samples masked out like the rest of
            the padding.
        group_by_length: None or int >= 1, padded batches only: the number
            of batches whose clips are sorted by length together (see
            above). Larger groups pad less but make batches less random;
            1 sorts each batch within itself, which changes nothing.

    Returns:
        A `tf.data.Dataset` of `(waves, mask)` (padded) or `waves` (cropped),
        as float32 `(batch, time)` tensors, followed by the labels when
        given: `((waves, mask), labels)` or `(waves, labels)`.

    Example:

    >>> import numpy as np
    >>> from keras_ae.data import audio_batches
    >>> clips = [np.ones(3, "float32"), np.ones(5, "float32")]
    >>> (waves, mask), = audio_batches(clips, batch_size=2)
    >>> mask.numpy().tolist()
    [[1.0, 1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0, 1.0]]
    """
    import tensorflow as tf

    if not isinstance(waveforms, (list, tuple)) or not waveforms:
        raise ValueError("`waveforms` must be a non-empty list of 1-d arrays.")
    clips = [np.asarray(w, "float32") for w in waveforms]
    for i, clip in enumerate(clips):
        if clip.ndim != 1 or clip.size == 0:
            raise ValueError(
                f"`waveforms[{i}]` must be a non-empty mono clip, shape (time,). "
                f"Received: shape={clip.shape}"
            )
    batch_size = check_int("batch_size", batch_size, 1)
    crop_length = check_int("crop_length", crop_length, 1, allow_none=True)
    pad_to_multiple = check_int("pad_to_multiple", pad_to_multiple, 1, allow_none=True)
    group_by_length = check_int("group_by_length", group_by_length, 1, allow_none=True)
    for name, value in [("pad_to_multiple", pad_to_multiple),
                        ("group_by_length", group_by_length)]:
        if value is not None and crop_length is not None:
            raise ValueError(
                f"`{name}` applies to padded batches; cropped batches "
                f"(`crop_length={crop_length}`) all have the same length. Received: "
                f"{name}={value}"
            )
    if labels is not None:
        label_arrays = labels if isinstance(labels, tuple) else (labels,)
        label_arrays = tuple(np.asarray(a) for a in label_arrays)
        for a in label_arrays:
            if len(a) != len(clips):
                raise ValueError(
                    f"`labels` must have one entry per clip ({len(clips)}). Received: "
                    f"{len(a)} entries"
                )
        labels_out = label_arrays if isinstance(labels, tuple) else label_arrays[0]

    lengths = np.array([len(c) for c in clips], "int64")
    flat = tf.RaggedTensor.from_row_lengths(np.concatenate(clips), lengths)
    dataset = tf.data.Dataset.from_tensor_slices(flat)
    if labels is not None:
        dataset = tf.data.Dataset.zip((dataset, tf.data.Dataset.from_tensor_slices(labels_out)))
    else:
        dataset = dataset.map(lambda wave: (wave, ()))
    if shuffle:
        dataset = dataset.shuffle(len(clips), seed=seed, reshuffle_each_iteration=True)

    if crop_length is None:
        if group_by_length is not None:
            def by_length(waves, labels):
                order = tf.argsort(waves.row_lengths(), stable=True)
                return (tf.gather(waves, order),
                        tf.nest.map_structure(lambda a: tf.gather(a, order), labels))

            dataset = dataset.ragged_batch(group_by_length * batch_size).map(by_length)
            dataset = dataset.unbatch()
        dataset = dataset.map(lambda wave, label: ((wave, tf.ones_like(wave)), label))
        dataset = dataset.padded_batch(batch_size)
        if group_by_length is not None:
            if shuffle:
                dataset = dataset.shuffle(group_by_length, seed=seed,
                                          reshuffle_each_iteration=True)
            # `unbatch` forgets the count; `fit` wants it for its progress bar.
            batches = -(-len(clips) // batch_size)
            dataset = dataset.apply(tf.data.experimental.assert_cardinality(batches))
        if pad_to_multiple is not None:
            def round_up(inputs, label):
                length = tf.shape(inputs[0])[1]
                extra = [[0, 0], [0, (-length) % pad_to_multiple]]
                return (tf.pad(inputs[0], extra), tf.pad(inputs[1], extra)), label

            dataset = dataset.map(round_up)
    else:
        def crop(seeds, element):
            wave, label = element
            room = tf.maximum(tf.shape(wave)[0] - crop_length, 0)
            start = tf.random.stateless_uniform((), seed=seeds, maxval=room + 1, dtype="int32")
            window = wave[start:start + crop_length]
            window = tf.pad(window, [[0, crop_length - tf.shape(window)[0]]])
            return tf.ensure_shape(window, (crop_length,)), label

        # One stateless seed pair per clip, from a random stream that moves on
        # every epoch, so the crops differ between epochs but not between runs.
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        dataset = tf.data.Dataset.zip((seeds, dataset)).map(crop).batch(batch_size)
    if labels is None:
        dataset = dataset.map(lambda inputs, _: inputs)
    return dataset.prefetch(tf.data.AUTOTUNE)
