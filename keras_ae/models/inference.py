"""Inference at any size: a model's method run in batches, compiled, like `predict`."""

import functools
import weakref

import keras
import numpy as np

from keras_ae._checks import check_int
from keras_ae.backend import is_symbolic

_WRAPPERS = weakref.WeakKeyDictionary()


class _Method(keras.Model):
    """A model whose `call` is one method of another model, for `predict`."""

    def __init__(self, owner, method):
        super().__init__(name=f"{owner.name}_{method}")
        self.owner = owner
        self.method = method

    def call(self, inputs):
        return getattr(self.owner, self.method)(inputs, batch_size=None)


_NOTE = """

        Takes any number of inputs and runs them in batches of `batch_size`
        (default 128), compiled, like `predict` (numpy out); `batch_size=None`
        or a symbolic input (`keras.Input`) calls the networks directly.
        """


def batched(method):
    """Makes a model's inference method `method(self, inputs)` take any number
    of inputs: `method(self, inputs, batch_size=128)`, run by `in_batches`."""

    @functools.wraps(method)
    def wrapper(self, inputs, batch_size=128):
        outputs = in_batches(self, method.__name__, inputs, batch_size)
        return method(self, inputs) if outputs is None else outputs

    wrapper.__doc__ = (method.__doc__ or "").rstrip() + _NOTE
    return wrapper


def in_batches(model, method, inputs, batch_size):
    """`model.<method>(inputs)` on any number of inputs, `batch_size` at a time.

    Runs the method through `keras.Model.predict` (one compiled function,
    reused across calls; `tf.data` datasets welcome), so memory is bounded by
    the batch, not the input, on every backend. A symbolic input (a
    `keras.Input`, a tensor inside a compiled function) and `batch_size=None`
    call the method directly instead.

    Returns:
        numpy arrays (a structure of them when the method returns one).
    """
    if batch_size is None or is_symbolic(inputs):
        return None
    batch_size = check_int("batch_size", batch_size, 1, allow_none=True)
    wrappers = _WRAPPERS.setdefault(model, {})
    if method not in wrappers:
        wrappers[method] = _Method(model, method)
    return wrappers[method].predict(inputs, batch_size=batch_size, verbose=0)


def reflected_batch(clips, samples):
    """Clips of any lengths in one zero-padded batch, each followed by its own reflection.

    A front end that reflects a clip at its end, such as
    `keras_ae.layers.LogMelSpectrogram` (its frames are centred on the
    samples, `samples = fft_length // 2`), then gives each clip's own frames
    (`frame_count(len(clip))` of them) as it gives them for the clip alone,
    up to float rounding: the zeros after the reflection reach none of them,
    and the clip's start is the batch's. One call on the batch instead of
    one per clip.

    Args:
        clips: a list of 1-d float arrays, each longer than `samples`.
        samples: int >= 0, the length of each clip's reflection.

    Returns:
        A float32 array `(len(clips), longest clip + samples)`.
    """
    batch = np.zeros((len(clips), max(len(c) for c in clips) + samples), "float32")
    for row, clip in enumerate(clips):
        batch[row, :len(clip) + samples] = np.pad(clip, (0, samples), mode="reflect")
    return batch
