"""The frames of one clip, computed on a padded copy of a few possible lengths."""

import keras
import numpy as np

# Clips are padded to a multiple of this many frames: JAX compiles the
# spectrogram once per input shape (about a second each), and there are as
# many clip lengths as clips.
PAD_FRAMES = 32


def clip_frames(layer, waveform):
    """`layer`'s frames of a 1-d waveform followed by silence, `(frame_count(n), dim)` float32.

    `layer` is a `LogMelSpectrogram` (or `MFCC`). The clip is zero-padded
    at the end to a multiple of `PAD_FRAMES * frame_step` samples, at least
    `fft_length // 2` zeros, so its own frames see zeros past its end
    (instead of its reflection) whatever the padded length.
    """
    n = len(waveform)
    bucket = PAD_FRAMES * layer.frame_step
    padded = np.zeros(-(-(n + layer.fft_length // 2) // bucket) * bucket, "float32")
    padded[:n] = waveform
    frames = keras.ops.convert_to_numpy(layer(padded))
    return np.asarray(frames[: layer.frame_count(n)], "float32")
