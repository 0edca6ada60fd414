import keras
import numpy as np

from keras_ae._checks import check_int
from keras_ae.layers.log_mel_spectrogram import LogMelSpectrogram


@keras.saving.register_keras_serializable(package="keras_ae")
class MFCC(LogMelSpectrogram):
    """Waveforms → mel-frequency cepstral coefficients with Δ and ΔΔ.

    The log-mel frames of `LogMelSpectrogram`, decorrelated by the
    orthonormal DCT-II over the bands (the first `num_coefficients` kept,
    c0 included), followed by their time derivatives: Δ by the regression
    formula over ±`delta_width` frames,
    `Δc_t = Σ_n n (c_{t+n} - c_{t-n}) / (2 Σ_n n²)`, with the first and last
    frames repeated at the edges (as HTK and librosa's `mode="nearest"`),
    and ΔΔ the same formula applied to Δ. The classic speech features.

    The DCT is scipy's `norm="ortho"`; `tf.signal.mfccs_from_log_mel_spectrograms`
    gives the same coefficients except c0, which it scales by √2 more.

    Args:
        sampling_rate: int, samples per second of the input. Defaults to
            16000.
        num_coefficients: int in [1, num_mel_bins], cepstral coefficients
            kept. Defaults to 13.
        deltas: 0, 1 or 2: append nothing, Δ, or Δ and ΔΔ. Defaults to 2.
        num_mel_bins: int, mel bands under the DCT. Defaults to 40.
        delta_width: int >= 1, frames on each side in the Δ regression.
            Defaults to 2 (HTK's default).
        frame_length, frame_step, fft_length, min_freq, max_freq, floor: as
            in `LogMelSpectrogram`.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Returns:
        `(batch, frames, num_coefficients * (deltas + 1))`: the
        coefficients, then their Δ, then their ΔΔ. Padding frames enter the
        Δ of the real frames next to them (within `deltas * delta_width`
        frames); the frame mask is passed on as by `LogMelSpectrogram`.

    Example:

    >>> import numpy as np, keras_ae
    >>> layer = keras_ae.layers.MFCC(sampling_rate=8000, num_coefficients=13, deltas=2)
    >>> tuple(layer(np.zeros((2, 8000), "float32")).shape)
    (2, 101, 39)
    """

    def __init__(
        self,
        sampling_rate=16000,
        num_coefficients=13,
        deltas=2,
        num_mel_bins=40,
        delta_width=2,
        frame_length=None,
        frame_step=None,
        fft_length=None,
        min_freq=20.0,
        max_freq=None,
        floor=1e-6,
        **kwargs,
    ):
        num_coefficients = check_int("num_coefficients", num_coefficients, 1)
        num_mel_bins = check_int("num_mel_bins", num_mel_bins, 1)
        if num_coefficients > num_mel_bins:
            raise ValueError(
                f"`num_coefficients` must be <= `num_mel_bins`. Received: "
                f"num_coefficients={num_coefficients}, num_mel_bins={num_mel_bins}"
            )
        deltas = check_int("deltas", deltas, 0, 2)
        delta_width = check_int("delta_width", delta_width, 1)
        super().__init__(
            sampling_rate=sampling_rate,
            num_mel_bins=num_mel_bins,
            frame_length=frame_length,
            frame_step=frame_step,
            fft_length=fft_length,
            min_freq=min_freq,
            max_freq=max_freq,
            floor=floor,
            **kwargs,
        )
        self.num_coefficients = num_coefficients
        self.deltas = deltas
        self.delta_width = delta_width
        self._dct_matrix = dct_matrix(num_mel_bins, num_coefficients)

    def call(self, inputs, mask=None):
        log_mel = self.backend.cast(super().call(inputs), "float32")
        matrix = self.backend.convert_to_tensor(self._dct_matrix, dtype="float32")
        features = [self.backend.numpy.tensordot(log_mel, matrix, axes=1)]
        for _ in range(self.deltas):
            features.append(self._delta(features[-1]))
        outputs = self.backend.numpy.concatenate(features, axis=-1)
        return self.backend.cast(outputs, self.compute_dtype)

    def _delta(self, c):
        width = self.delta_width
        first = self.backend.numpy.repeat(c[..., :1, :], width, axis=-2)
        last = self.backend.numpy.repeat(c[..., -1:, :], width, axis=-2)
        padded = self.backend.numpy.concatenate([first, c, last], axis=-2)
        total = None
        for n in range(1, width + 1):
            # padded[w + n + t] - padded[w - n + t] for t in [0, frames).
            ahead = padded[..., width + n : _stop(width - n), :]
            behind = padded[..., width - n : _stop(width + n), :]
            term = (ahead - behind) * float(n)
            total = term if total is None else total + term
        return total / float(2 * sum(n * n for n in range(1, width + 1)))

    def compute_output_shape(self, input_shape):
        shape = super().compute_output_shape(input_shape)
        return shape[:-1] + (self.num_coefficients * (self.deltas + 1),)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_coefficients": self.num_coefficients,
                "deltas": self.deltas,
                "delta_width": self.delta_width,
            }
        )
        return config

    def to_waveform(self, *args, **kwargs):
        raise NotImplementedError(
            "MFCC keeps too little of the spectrum to be inverted; use LogMelSpectrogram."
        )


def dct_matrix(num_inputs, num_outputs):
    """The orthonormal DCT-II as a `(num_inputs, num_outputs)` numpy matrix.

    `x @ dct_matrix(n, k)` is the first `k` coefficients of
    `scipy.fft.dct(x, type=2, norm="ortho")` over the last axis.
    """
    n = np.arange(num_inputs)[:, None]
    k = np.arange(num_outputs)[None, :]
    matrix = np.cos(np.pi * (n + 0.5) * k / num_inputs) * np.sqrt(2.0 / num_inputs)
    matrix[:, 0] = np.sqrt(1.0 / num_inputs)
    return matrix.astype("float32")


def _stop(offset):
    return -offset if offset else None


@keras.saving.register_keras_serializable(package="keras_ae")
class CepstralSmoothing(keras.layers.Layer):
    """Log-mel frames smoothed across the bands: only the first cepstral coefficients kept.

    Each frame `x` (the last axis, its bands) becomes `x D_k D_kᵀ`, where `D_k`
    holds the first `num_coefficients` columns of the orthonormal DCT-II over
    the bands (`dct_matrix`): the frame's mel cepstrum, liftered to c0 ...
    c(k-1), back in bands. What stays is the spectral envelope (the formants);
    what goes is the fine structure across the bands, the harmonics of the
    voice's pitch. Same shape out as in; no weights.

    Args:
        num_coefficients: int >= 1, cepstral coefficients kept; at most the
            input's number of bands.

    Example:

    >>> import numpy as np
    >>> from keras_ae.layers import CepstralSmoothing
    >>> x = np.random.default_rng(0).normal(size=(2, 5, 40)).astype("float32")
    >>> y = CepstralSmoothing(12)(x)
    >>> tuple(y.shape)
    (2, 5, 40)
    >>> bool(np.allclose(CepstralSmoothing(40)(x), x, atol=1e-5))  # all kept: unchanged
    True
    """

    def __init__(self, num_coefficients, **kwargs):
        super().__init__(**kwargs)
        self.num_coefficients = check_int("num_coefficients", num_coefficients, 1)

    def build(self, input_shape):
        bands = input_shape[-1]
        if bands is None or self.num_coefficients > bands:
            raise ValueError(f"`num_coefficients` must be at most the input's number of bands "
                             f"(its last axis). Received: num_coefficients="
                             f"{self.num_coefficients}, input shape {tuple(input_shape)}")
        dct = dct_matrix(bands, self.num_coefficients)
        self._projection = (dct @ dct.T).astype("float32")

    def call(self, inputs):
        return keras.ops.matmul(inputs, keras.ops.cast(self._projection, inputs.dtype))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "num_coefficients": self.num_coefficients}
