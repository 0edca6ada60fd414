import keras
import numpy as np

from keras_ae._checks import check_int
from keras_ae._checks import check_number


@keras.saving.register_keras_serializable(package="keras_ae")
class LogMelSpectrogram(keras.layers.MelSpectrogram):
    """Waveforms → log-mel frames, `(batch, frames, num_mel_bins)`.

    The usual speech front end, as a layer: a short-time Fourier transform
    (Hann window, frames centred on every `frame_step`-th sample, the signal
    reflected at both ends), the power spectrum, triangular mel filters (HTK
    mel scale, as `keras.layers.MelSpectrogram`), and the natural log of the
    band energies, floored at `floor`. Time comes first and the bands last,
    the layout `Dense`, `Conv1D` and recurrent layers expect.

    Why not `keras.layers.MelSpectrogram(power_to_db=True)`: its decibels
    are clipped at 80 dB below the maximum of the *whole batch*, so one
    clip's features change with what else is in its batch (and between
    training, where batches mix, and inference on one clip). Here each
    value depends on its own frame only, and the fixed `floor` bounds the
    log of silence.

    Like the Keras preprocessing layers, it works inside a `tf.data`
    pipeline on any backend and as the first layer of a model, so a saved
    model takes raw waveforms. Computed in float32 whatever the dtype
    policy; the result is cast to the compute dtype.

    A frame is kept where the input mask (if any) marks its centre sample
    as real: pass the `(batch, samples)` mask of a padded batch (e.g. from
    `keras_ae.data.audio_batches`) and later layers receive a
    `(batch, frames)` mask.

    Args:
        sampling_rate: int, samples per second of the input. Defaults to
            16000.
        num_mel_bins: int >= 1, mel bands. Defaults to 40.
        frame_length: int, samples per analysis window; `None` for 25 ms.
        frame_step: int, samples between frames; `None` for 10 ms.
        fft_length: int >= `frame_length`; `None` for the next power of two.
        min_freq: float >= 0, lower edge of the lowest band in Hz. Defaults
            to 20.
        max_freq: float, upper edge of the highest band in Hz, at most the
            Nyquist frequency; `None` for `sampling_rate / 2`.
        floor: float > 0, band energies are floored here before the log.
            Defaults to 1e-6 (-138 dB below a full-scale sine's band energy
            of order 1e0 for a [-1, 1] waveform).
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: float waveforms, `(batch, samples)` or `(samples,)`, with at
            least `fft_length // 2 + 1` samples (the reflection at the ends
            needs them).
        mask: optional `(batch, samples)` boolean mask.

    Returns:
        `(batch, frames, num_mel_bins)` (or `(frames, num_mel_bins)`), with
        `frames = self.frame_count(samples)`.

    Example:

    >>> import numpy as np, keras_ae
    >>> layer = keras_ae.layers.LogMelSpectrogram(sampling_rate=8000, num_mel_bins=40)
    >>> (layer.frame_length, layer.frame_step, layer.fft_length)
    (200, 80, 256)
    >>> tuple(layer(np.zeros((2, 8000), "float32")).shape)
    (2, 101, 40)
    """

    def __init__(
        self,
        sampling_rate=16000,
        num_mel_bins=40,
        frame_length=None,
        frame_step=None,
        fft_length=None,
        min_freq=20.0,
        max_freq=None,
        floor=1e-6,
        **kwargs,
    ):
        sampling_rate = check_int("sampling_rate", sampling_rate, 1)
        num_mel_bins = check_int("num_mel_bins", num_mel_bins, 1)
        if frame_length is None:
            frame_length = int(round(0.025 * sampling_rate))
        if frame_step is None:
            frame_step = int(round(0.010 * sampling_rate))
        frame_length = check_int("frame_length", frame_length, 1)
        frame_step = check_int("frame_step", frame_step, 1)
        if fft_length is None:
            fft_length = 1 << max(frame_length - 1, 1).bit_length()
        fft_length = check_int("fft_length", fft_length, 1)
        if fft_length < frame_length:
            raise ValueError(
                f"`fft_length` must be >= `frame_length`. Received: fft_length={fft_length}, "
                f"frame_length={frame_length}"
            )
        nyquist = sampling_rate / 2
        if max_freq is None:
            max_freq = nyquist
        if not 0 <= float(min_freq) < float(max_freq) <= nyquist:
            raise ValueError(
                f"Need 0 <= `min_freq` < `max_freq` <= sampling_rate / 2 = {nyquist}. "
                f"Received: min_freq={min_freq!r}, max_freq={max_freq!r}"
            )
        floor = check_number("floor", floor, low=0, low_open=True)
        super().__init__(
            fft_length=fft_length,
            sequence_stride=frame_step,
            sequence_length=frame_length,
            window="hann",
            sampling_rate=sampling_rate,
            num_mel_bins=num_mel_bins,
            min_freq=float(min_freq),
            max_freq=float(max_freq),
            power_to_db=False,
            mag_exp=2.0,
            **kwargs,
        )
        self.frame_length = frame_length
        self.frame_step = frame_step
        self.floor = float(floor)
        self.supports_masking = True
        # Keep float32 waveforms float32 under a mixed policy: rounding the
        # samples to float16 would cost quiet bands far more than rounding
        # the logs does.
        self._convert_input_args = False
        # The periodic Hann window, written out: TensorFlow's `hann_window`
        # ignores `periodic` for odd lengths, so backends would disagree.
        self._window = (
            0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame_length) / frame_length)
        ).astype("float32")
        # The filters as a constant (numpy), so the layer holds no variables
        # and converts to whichever backend runs it (tf.data included).
        self._mel_matrix = np.asarray(
            keras.ops.convert_to_numpy(
                self.linear_to_mel_weight_matrix(
                    num_mel_bins=num_mel_bins,
                    num_spectrogram_bins=fft_length // 2 + 1,
                    sampling_rate=sampling_rate,
                    lower_edge_hertz=float(min_freq),
                    upper_edge_hertz=float(max_freq),
                )
            ),
            "float32",
        )

    @property
    def mel_matrix(self):
        """The mel filters as a numpy array, `(fft_length // 2 + 1, num_mel_bins)`."""
        return self._mel_matrix.copy()

    @property
    def min_samples(self):
        """The shortest input, in samples (the reflection at the ends needs them)."""
        return self.fft_length // 2 + 1

    def frame_count(self, num_samples):
        """Frames for a clip of `num_samples` samples (one per `frame_step`, centred)."""
        if num_samples is None:
            return None
        pad = self.fft_length // 2
        return 1 + (num_samples + 2 * pad - self.fft_length) // self.frame_step

    def power(self, inputs):
        """The mel band energies before the log, `(..., frames, num_mel_bins)`, float32."""
        waves = self.backend.convert_to_tensor(inputs, dtype="float32")
        real, imag = self.backend.math.stft(
            waves,
            sequence_length=self.frame_length,
            sequence_stride=self.frame_step,
            fft_length=self.fft_length,
            window=self.backend.convert_to_tensor(self._window, dtype="float32"),
            center=True,
        )
        spectrum = self.backend.numpy.square(real) + self.backend.numpy.square(imag)
        matrix = self.backend.convert_to_tensor(self._mel_matrix, dtype="float32")
        return self.backend.numpy.tensordot(spectrum, matrix, axes=1)

    def call(self, inputs, mask=None):
        shape = getattr(inputs, "shape", None)
        if shape is not None and len(shape) not in (1, 2):
            raise ValueError(
                f"{self.__class__.__name__} expects waveforms, (batch, samples) or (samples,). "
                f"Received: inputs.shape={tuple(shape)}"
            )
        if shape is not None and shape[-1] is not None and shape[-1] < self.min_samples:
            raise ValueError(
                f"{self.__class__.__name__} needs at least fft_length // 2 + 1 = "
                f"{self.min_samples} samples. Received: inputs.shape={tuple(shape)}"
            )
        power = self.power(inputs)
        floor = self.backend.convert_to_tensor(self.floor, dtype="float32")
        outputs = self.backend.numpy.log(self.backend.numpy.maximum(power, floor))
        return self.backend.cast(outputs, self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        # A frame is real when its centre sample is: frame t is centred on
        # sample t * frame_step. With an even `fft_length` the last frame
        # can sit one past the end (sample n), which is never real.
        mask = keras.ops.cast(mask, "bool")
        if self.fft_length % 2 == 0:
            past_end = keras.ops.zeros_like(mask[..., :1])
            mask = keras.ops.concatenate([mask, past_end], axis=-1)
        return mask[..., :: self.frame_step]

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return input_shape[:-1] + (self.frame_count(input_shape[-1]), self.num_mel_bins)

    def to_waveform(self, log_mel, iterations=32, momentum=0.99, seed=None):
        """An audible waveform for log-mel frames, by Griffin-Lim.

        The band energies are mapped back to a linear power spectrum by the
        pseudo-inverse of the mel filters (negative values set to 0), and
        the phase is estimated by `keras_ae.ops.griffin_lim`. The detail
        lost in the 40 (or so) bands does not come back: expect intelligible
        but buzzy speech.

        Args:
            log_mel: `(..., frames, num_mel_bins)`, as this layer outputs.
            iterations: int >= 1, Griffin-Lim iterations.
            momentum: float in [0, 1], Griffin-Lim's momentum.
            seed: optional int, seed of the initial random phase.

        Returns:
            A float32 tensor of waveforms, `(..., (frames - 1) * frame_step)`.
        """
        log_mel = keras.ops.convert_to_tensor(log_mel, "float32")
        if log_mel.shape[-1] != self.num_mel_bins:
            raise ValueError(
                f"`log_mel` must end with num_mel_bins={self.num_mel_bins} bands. "
                f"Received: log_mel.shape={tuple(log_mel.shape)}"
            )
        from keras_ae.ops import griffin_lim

        inverse = np.linalg.pinv(self._mel_matrix).astype("float32")
        power = keras.ops.relu(keras.ops.matmul(keras.ops.exp(log_mel), inverse))
        return griffin_lim(
            keras.ops.sqrt(power),
            frame_length=self.frame_length,
            frame_step=self.frame_step,
            fft_length=self.fft_length,
            iterations=iterations,
            momentum=momentum,
            seed=seed,
        )

    def get_config(self):
        config = keras.layers.Layer.get_config(self)
        config.update(
            {
                "sampling_rate": self.sampling_rate,
                "num_mel_bins": self.num_mel_bins,
                "frame_length": self.frame_length,
                "frame_step": self.frame_step,
                "fft_length": self.fft_length,
                "min_freq": self.min_freq,
                "max_freq": self.max_freq,
                "floor": self.floor,
            }
        )
        return config

