import gzip
import os

import numpy as np

from keras_ae._checks import check_int
from keras_ae.data.paths import find_data_dir

_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_SOURCE = (
    "Get the four IDX files from https://github.com/zalandoresearch/fashion-mnist "
    "(MIT licence), Debian's dataset-fashion-mnist package, or "
    "keras.datasets.fashion_mnist.load_data() (which caches them under "
    "~/.keras/datasets/fashion-mnist)."
)


def fashion_mnist(split="train", path=None, normalize=True, limit=None, as_dataset=False,
                  batch_size=None, shuffle=False, seed=0):
    """Loads Fashion-MNIST from the original IDX files, without downloading.

    Looks at `path`, `$KERAS_AE_DATA/fashion-mnist`, `./data/fashion-mnist`,
    Debian's `/usr/share/datasets/fashion-mnist` and the Keras cache
    `~/.keras/datasets/fashion-mnist`.

    Args:
        split: "train" (60,000 images) or "test" (10,000).
        path: folder holding the `*-ubyte.gz` files, or None to search.
        normalize: return float32 pixels in [0, 1] (True) or uint8 (False).
        limit: int or None, return only the first `limit` examples.
        as_dataset: return a `tf.data.Dataset` of `(image, label)` pairs
            instead of arrays.
        batch_size: with `as_dataset`, batch the pairs (None: unbatched).
        shuffle: with `as_dataset`, shuffle the examples every epoch.
        seed: with `shuffle`, the shuffling seed.

    Returns:
        `(images, labels)`: images `(n, 28, 28, 1)`, labels int64 `(n,)`; or,
        with `as_dataset=True`, a `tf.data.Dataset` of such pairs.

    Example:

    >>> from keras_ae.data import fashion_mnist
    >>> x, y = fashion_mnist("test", limit=100)  # doctest: +SKIP
    >>> x.shape  # doctest: +SKIP
    (100, 28, 28, 1)

    Reference:
        Xiao, Rasul & Vollgraf 2017, "Fashion-MNIST", arXiv 1708.07747.
    """
    if split not in _FILES:
        raise ValueError(f"`split` must be 'train' or 'test'. Received: split={split!r}")
    batch_size = check_int("batch_size", batch_size, 1, allow_none=True)
    limit = check_int("limit", limit, 1, allow_none=True)
    folder = find_data_dir(
        "fashion-mnist",
        path=path,
        required_files=_FILES[split],
        extra_places=("/usr/share/datasets/fashion-mnist", "~/.keras/datasets/fashion-mnist"),
        source=_SOURCE,
    )
    image_file, label_file = (os.path.join(folder, f) for f in _FILES[split])
    images = _read_idx(image_file, magic=2051).reshape(-1, 28, 28, 1)
    labels = _read_idx(label_file, magic=2049).astype("int64")
    if len(images) != len(labels):
        raise ValueError(f"{image_file} and {label_file} hold different numbers of examples")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    if normalize:
        images = images.astype("float32") / 255.0
    if not as_dataset:
        return images, labels
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    if shuffle:
        dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _read_idx(filename, magic):
    with gzip.open(filename, "rb") as f:
        data = f.read()
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        raise ValueError(f"{filename} is not an IDX file of the expected kind "
                         f"(magic number {found}, expected {magic})")
    ndim = data[3]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim)
