import keras
import numpy as np

from keras_ae._checks import check_int
from keras_ae.callbacks.conversion_audio import spectrogram_image


class CodeSequence(keras.callbacks.Callback):
    """Writes a speech model's discrete codes to TensorBoard every epoch.

    For `keras_ae.models.VQVoiceConverter` (any model with `encode`,
    `num_codes`, `log_mel` and `sampling_rate`): at the end of every
    `every_n_epochs`-th epoch, under `<logdir>/codes`,

    - an image per clip, `codes_<i>`: its log-mel spectrogram (time to the
      right, low bands at the bottom) with the code sequence drawn over it,
      one bright dot per frame at a height that grows with the code's index,
      and above it a strip coloured by code, so a code's runs and the
      phone-like segments they follow can be read off;
    - `code_usage`, a histogram of the codes of all the clips, one bucket
      per code, and the scalars `code_usage_share` (the share of the
      codebook the clips use) and `code_perplexity` (`exp` of the entropy of
      their codes, at most `num_codes`).

    TensorBoard summaries need TensorFlow, which keras-ae always installs;
    the callback works under any Keras backend.

    Args:
        clips: a non-empty list of 1-d float waveforms at the model's rate.
        logdir: the TensorBoard folder.
        every_n_epochs: int >= 1.

    Example:

    >>> import numpy as np, keras_ae
    >>> callback = keras_ae.callbacks.CodeSequence([np.zeros(4000, "float32")], "/tmp/logs")
    """

    def __init__(self, clips, logdir="logs", every_n_epochs=1):
        super().__init__()
        if not isinstance(clips, (list, tuple)) or not clips:
            raise ValueError("`clips` must be a non-empty list of 1-d waveforms. Received: "
                             f"{type(clips).__name__}")
        self.clips = []
        for i, clip in enumerate(clips):
            clip = np.asarray(clip, "float32")
            if clip.ndim != 1 or clip.size == 0:
                raise ValueError(f"`clips[{i}]` must be a 1-d waveform. Received: shape="
                                 f"{clip.shape}")
            self.clips.append(clip)
        every_n_epochs = check_int("every_n_epochs", every_n_epochs, 1)
        self.logdir = logdir
        self.every_n_epochs = every_n_epochs
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        import os

        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(os.path.join(self.logdir, "codes"))
        num_codes = self.model.num_codes
        codes = self.model.encode(self.clips)
        flat = np.concatenate(codes)
        counts = np.bincount(flat, minlength=num_codes)
        p = counts[counts > 0] / flat.size
        with self._writer.as_default():
            for i, (clip, sequence) in enumerate(zip(self.clips, codes)):
                log_mel = np.asarray(keras.ops.convert_to_numpy(
                    self.model.log_mel(clip[None])))[0]
                tf.summary.image(f"codes_{i}", code_image(log_mel, sequence, num_codes)[None],
                                 step=epoch)
            tf.summary.histogram("code_usage", flat.astype("float64"), step=epoch,
                                 buckets=num_codes)
            tf.summary.scalar("code_usage_share", float(np.mean(counts > 0)), step=epoch)
            tf.summary.scalar("code_perplexity", float(np.exp(-np.sum(p * np.log(p)))),
                              step=epoch)
        self._writer.flush()


def code_image(log_mel, codes, num_codes, strip=6, scale=2):
    """An RGB image in [0, 1] of log-mel frames with their codes drawn over them.

    Args:
        log_mel: `(frames, bands)` log-mel frames.
        codes: int `(frames,)` codes of those frames (extra frames on either
            side are cut to the shorter).
        num_codes: the codebook's size.
        strip: height in pixels of the colour strip above the spectrogram.
        scale: each frame and band is `scale` pixels wide and high.

    Returns:
        float32 `(strip + bands * scale, frames * scale, 3)`.
    """
    codes = np.asarray(codes, "int64")
    frames = min(len(codes), len(log_mel))
    gray = spectrogram_image(np.asarray(log_mel)[:frames])[..., 0]  # (bands, frames)
    gray = np.repeat(np.repeat(gray, scale, axis=0), scale, axis=1)
    image = np.repeat(gray[..., None], 3, axis=-1) * 0.8
    height = image.shape[0]
    colours = _palette(num_codes)
    rows = (height - 1 - np.round(codes[:frames] / max(num_codes - 1, 1) * (height - 1)))
    for t in range(frames):
        image[int(rows[t]), t * scale:(t + 1) * scale] = colours[codes[t]]
    top = np.repeat(colours[codes[:frames]], scale, axis=0)[None].repeat(strip, axis=0)
    return np.concatenate([top, image], axis=0).astype("float32")


def _palette(n):
    """`n` bright, distinct RGB colours (hues around the circle)."""
    hue = (np.arange(n) * 0.618034) % 1.0
    k = (np.array([5.0, 3.0, 1.0])[None] + hue[:, None] * 6) % 6
    return 1.0 - np.clip(np.minimum(k, 4 - k), 0, 1) * 0.85
