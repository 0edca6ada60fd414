import numpy as np
from keras import ops


def _hz_to_mel(hertz):
    return 2595.0 * np.log10(1.0 + np.asarray(hertz, "float64") / 700.0)


def warp_mel_frequencies(frames, factors, min_freq, max_freq):
    """Log-mel frames with each clip's frequency axis stretched by a factor.

    Vocal tract length perturbation (Jaitly & Hinton 2013): band `b` of clip
    `i`, centred at `f_b` Hz, takes the value the clip has at
    `factors[i] · f_b` Hz, read between the band centres by linear interpolation on the mel scale
    (and held at the first or last band beyond them). A factor above 1
    moves formants and harmonics down, as a longer vocal tract would; 1
    leaves the frames unchanged. The bands are the HTK-scale triangles of
    `keras.layers.MelSpectrogram` and `keras_ae.layers.LogMelSpectrogram`.

    Args:
        frames: `(batch, frames, num_mel_bins)` log-mel (or any per-band
            feature on those bands).
        factors: `(batch,)` positive warp factors.
        min_freq, max_freq: the bands' edges in Hz, as given to the layer.

    Returns:
        The warped frames, float32, of the same shape.
    """
    if not 0 <= float(min_freq) < float(max_freq):
        raise ValueError("Need 0 <= `min_freq` < `max_freq`. Received: "
                         f"min_freq={min_freq!r}, max_freq={max_freq!r}")
    frames = ops.cast(frames, "float32")
    bands = frames.shape[-1]
    if bands is None:
        raise ValueError("`frames` must have a known number of bands (last axis).")
    low, high = _hz_to_mel(min_freq), _hz_to_mel(max_freq)
    step = (high - low) / (bands + 1)
    centres = 700.0 * (10.0 ** ((low + step * np.arange(1, bands + 1)) / 2595.0) - 1.0)
    hertz = ops.cast(factors, "float32")[:, None] * ops.convert_to_tensor(
        centres.astype("float32"))[None, :]
    mel = 2595.0 * ops.log10(1.0 + hertz / 700.0)
    position = ops.clip((mel - float(low)) / float(step) - 1.0, 0.0, bands - 1.0)
    below = ops.minimum(ops.floor(position), bands - 2.0) if bands > 1 else position * 0
    weight = (position - below)[:, None, :]
    below = ops.cast(below, "int32")[:, None, :]
    shape = ops.shape(frames)
    below = ops.broadcast_to(below, shape)
    lower = ops.take_along_axis(frames, below, axis=-1)
    if bands == 1:
        return lower
    upper = ops.take_along_axis(frames, below + 1, axis=-1)
    return lower + weight * (upper - lower)
