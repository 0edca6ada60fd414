import keras
import numpy as np

from keras_ae._checks import check_int


def pooled_features(frames_of, clips, frame_count, batch_size=64):
    """One vector per clip: the mean and standard deviation of its frames.

    The usual way to probe frame-level speech features (CPC's context, log-mel,
    MFCC) on whole utterances: each clip's frames are pooled over time into
    `[mean, std]`, `(2 * dim,)`, ready for `linear_probe`.

    Clips are sorted by length, batched, zero-padded at the end, and only
    each clip's own frames (`frame_count(len(clip))`) are pooled. For causal
    or frame-local features, the frames do not depend on the padding except
    the last one or two, whose analysis windows reach past the end and see
    zeros instead of the signal reflected at the end (for a log-mel front
    end); batching by length keeps that padding short.

    Args:
        frames_of: callable, `(batch, samples)` float32 waveforms →
            `(batch, frames, dim)` (e.g. `CPC.encode`, a `LogMelSpectrogram`
            or `MFCC` layer, a Keras model).
        clips: list of 1-d float arrays.
        frame_count: callable, samples → the number of frames of a clip of
            that length (e.g. `CPC.frame_count`, `LogMelSpectrogram.frame_count`).
        batch_size: int >= 1, clips per call of `frames_of`.

    Returns:
        A float32 numpy array `(len(clips), 2 * dim)`.

    Example:

    >>> import numpy as np
    >>> from keras_ae.evaluation import pooled_features
    >>> from keras_ae.layers import LogMelSpectrogram
    >>> layer = LogMelSpectrogram(sampling_rate=8000, num_mel_bins=40)
    >>> clips = [np.zeros(3000, "float32"), np.ones(4000, "float32")]
    >>> pooled_features(layer, clips, layer.frame_count).shape
    (2, 80)
    """
    if not callable(frames_of):
        raise ValueError(f"`frames_of` must be callable. Received: frames_of={frames_of!r}")
    if not callable(frame_count):
        raise ValueError(f"`frame_count` must be callable. Received: frame_count={frame_count!r}")
    batch_size = check_int("batch_size", batch_size, 1)
    if not isinstance(clips, (list, tuple)) or not clips:
        raise ValueError("`clips` must be a non-empty list of 1-d arrays.")
    clips = [np.asarray(c, "float32") for c in clips]
    for i, clip in enumerate(clips):
        if clip.ndim != 1 or clip.size == 0:
            raise ValueError(
                f"`clips[{i}]` must be a non-empty 1-d waveform. Received: shape={clip.shape}")
    order = np.argsort([len(c) for c in clips], kind="stable")
    out = [None] * len(clips)
    for start in range(0, len(order), batch_size):
        chosen = order[start : start + batch_size]
        batch = np.zeros((len(chosen), max(len(clips[i]) for i in chosen)), "float32")
        for row, i in enumerate(chosen):
            batch[row, : len(clips[i])] = clips[i]
        frames = np.asarray(keras.ops.convert_to_numpy(frames_of(batch)), "float32")
        for row, i in enumerate(chosen):
            count = int(frame_count(len(clips[i])))
            if count < 1 or count > frames.shape[1]:
                raise ValueError(
                    f"`frame_count({len(clips[i])})` returned {count}, but `frames_of` gave "
                    f"{frames.shape[1]} frames for a batch padded to {batch.shape[1]} samples."
                )
            valid = frames[row, :count]
            out[i] = np.concatenate([valid.mean(0), valid.std(0)])
    return np.stack(out).astype("float32")
