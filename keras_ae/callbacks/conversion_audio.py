import keras
import numpy as np

from keras_ae._checks import check_int


class ConversionAudio(keras.callbacks.Callback):
    """Writes a voice conversion to TensorBoard every epoch: audio and log-mel images.

    For `keras_ae.models.AdversarialVoiceConverter` and
    `AdaINVoiceConverter`: at the end of every `every_n_epochs`-th epoch the
    model converts `source` to `target`, and writes the audio summaries
    `source`, `target` (a recording of the target voice) and `converted`
    (`tf.summary.audio`), and the images of their three log-mel
    spectrograms (time to the right, low bands at the bottom), under
    `<logdir>/conversion`. TensorBoard summaries need TensorFlow, which
    keras-ae always installs; the callback works under any Keras backend.

    Args:
        source: a 1-d float waveform to convert, at the model's rate.
        target: the target, as `convert` takes it: a speaker name, or (for
            AdaIN) a waveform.
        target_audio: a 1-d waveform of the target voice to play beside the
            conversion; defaults to `target` when that is a waveform.
        logdir: the TensorBoard folder.
        every_n_epochs: int >= 1.

    Example:

    >>> import numpy as np, keras_ae
    >>> callback = keras_ae.callbacks.ConversionAudio(
    ...     np.zeros(4000, "float32"), "slt", np.zeros(4000, "float32"), "/tmp/logs")
    """

    def __init__(self, source, target, target_audio=None, logdir="logs", every_n_epochs=1):
        super().__init__()
        self.source = _mono(source, "source")
        if target_audio is None:
            if isinstance(target, str):
                raise ValueError("`target_audio` is needed when `target` is a speaker name: a "
                                 "recording of that voice to play beside the conversion.")
            target_audio = target
        self.target_audio = _mono(target_audio, "target_audio")
        self.target = target
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
            self._writer = tf.summary.create_file_writer(os.path.join(self.logdir, "conversion"))
        converted = self.model.convert([self.source], self.target)[0]
        rate = self.model.sampling_rate
        clips = {"source": self.source, "target": self.target_audio, "converted": converted}
        with self._writer.as_default():
            for name, clip in clips.items():
                audio = np.clip(clip, -1.0, 1.0)[None, :, None]
                tf.summary.audio(name, audio, rate, step=epoch)
                log_mel = np.asarray(keras.ops.convert_to_numpy(
                    self.model.log_mel(clip[None])))[0]
                tf.summary.image(f"{name}_log_mel", spectrogram_image(log_mel)[None],
                                 step=epoch)
        self._writer.flush()


def spectrogram_image(log_mel):
    """A `(bands, frames, 1)` image in [0, 1] of log-mel frames `(frames, bands)`."""
    log_mel = np.asarray(log_mel, "float32")
    low, high = np.percentile(log_mel, [1, 99.5])
    image = np.clip((log_mel - low) / max(high - low, 1e-6), 0, 1)
    return image.T[::-1, :, None]


def _mono(clip, name):
    clip = np.asarray(clip, "float32")
    if clip.ndim != 1 or clip.size == 0:
        raise ValueError(f"`{name}` must be a 1-d waveform. Received: shape={clip.shape}")
    return clip
