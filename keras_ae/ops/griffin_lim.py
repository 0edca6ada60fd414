import math

import keras
import numpy as np
from keras import ops

from keras_ae._checks import check_int
from keras_ae._checks import check_number


def griffin_lim(magnitude, frame_length, frame_step, fft_length=None, window="hann",
                iterations=32, momentum=0.99, seed=None):
    """Recovers a waveform from an STFT magnitude with the fast Griffin-Lim algorithm.

    Alternates two projections on the complex STFT `c`: onto the consistent
    STFTs (`stft(istft(c))`) and onto the STFTs with the given magnitude
    (keep the phase of each bin, replace its modulus). The fast variant adds
    momentum between iterations:

        c_n = P_magnitude(P_consistent(t_{n-1}))
        t_n = c_n + momentum * (c_n - c_{n-1})

    and returns `istft(c_N)`. `momentum=0` is the original Griffin-Lim
    (1984), which provably never moves `c` further from a consistent STFT;
    Perraudin et al. recommend `0.99`, which converges much faster in
    practice, without a proof. The STFT is `keras.ops.stft` with
    `center=True`, so pass the settings that made `magnitude` (e.g. with
    `keras.ops.stft(x, frame_length, frame_step, fft_length)`). Computed in
    float32.

    The initial phase is drawn uniformly from [0, 2π) with `seed`, with
    shape `(frames, fft_length // 2 + 1)`, and shared by every item of a
    batch: a batch gives the same waveforms as its items passed one at a
    time with the same int seed.

    Args:
        magnitude: tensor or array `(..., frames, fft_length // 2 + 1)` of
            non-negative STFT magnitudes, with enough frames for more than
            `fft_length // 2` samples (3 frames for 200, 80, 256), which
            `keras.ops.stft` reflects at each end.
        frame_length: int, the window length in samples.
        frame_step: int, the hop between frames in samples, at most
            `frame_length` (gaps between frames cannot be recovered) and less
            than `fft_length`.
        fft_length: int at least `frame_length`, or None for the smallest
            power of 2 that is.
        window: "hann", "hamming", None or a 1-D tensor of `frame_length`
            values, as in `keras.ops.stft`.
        iterations: int >= 1, the number of projection pairs.
        momentum: float in [0, 1], α in the paper; 0 is plain Griffin-Lim.
        seed: an int, a `keras.random.SeedGenerator`, or None, for the
            initial phase.

    Returns:
        A float32 tensor `(..., samples)` with
        `samples = (frames - 1) * frame_step` (plus 1 for an odd
        `fft_length`): the length whose `keras.ops.stft` (`center=True`)
        has `frames` frames again.

    Example:

    >>> import numpy as np, keras, keras_ae
    >>> x = np.sin(2 * np.pi * 440 * np.arange(5120) / 8000).astype("float32")
    >>> real, imag = keras.ops.stft(x, 200, 80, 256)
    >>> tuple(real.shape)
    (65, 129)
    >>> y = keras_ae.ops.griffin_lim(keras.ops.sqrt(real**2 + imag**2), 200, 80, 256, seed=0)
    >>> tuple(y.shape)
    (5120,)

    Reference:
        Perraudin, Balazs and Søndergaard, "A fast Griffin-Lim algorithm",
        WASPAA 2013 (doi:10.1109/WASPAA.2013.6701851); Griffin and Lim,
        "Signal estimation from modified short-time Fourier transform",
        IEEE TASSP 1984.
    """
    frame_length = check_int("frame_length", frame_length, 1)
    frame_step = check_int("frame_step", frame_step, 1)
    if frame_step > frame_length:
        raise ValueError(
            "`frame_step` must be at most `frame_length`, or samples between frames are "
            f"lost. Received: frame_step={frame_step}, frame_length={frame_length}"
        )
    fft_length = check_int("fft_length", fft_length, allow_none=True)
    if fft_length is None:
        fft_length = 2 ** math.ceil(math.log2(frame_length))
    if fft_length < frame_length:
        raise ValueError(
            "`fft_length` must be an int at least `frame_length`, or None. Received: "
            f"fft_length={fft_length!r}, frame_length={frame_length}"
        )
    # Frames that neither overlap nor are zero-padded make every phase
    # consistent: there is nothing to retrieve. (keras.ops.istft on JAX also
    # mistakes this zero overlap for its default of half a frame.)
    if frame_step == fft_length:
        raise ValueError(
            "`frame_step` must be smaller than `fft_length`, so that frames overlap or are "
            f"zero-padded. Received: frame_step={frame_step}, frame_length={frame_length}, "
            f"fft_length={fft_length}"
        )
    iterations = check_int("iterations", iterations, 1)
    momentum = check_number("momentum", momentum, 0, 1)
    magnitude = ops.cast(ops.convert_to_tensor(magnitude), "float32")
    shape = tuple(magnitude.shape)
    bins = fft_length // 2 + 1
    if len(shape) < 2 or shape[-1] != bins:
        raise ValueError(
            f"`magnitude` must have shape (..., frames, fft_length // 2 + 1) = (..., frames, "
            f"{bins}) for fft_length={fft_length}. Received: magnitude.shape={shape}"
        )
    frames = shape[-2]
    samples = (frames - 1) * frame_step + fft_length % 2
    # keras.ops.stft reflects fft_length // 2 samples at each end, which needs more samples.
    if samples <= fft_length // 2:
        raise ValueError(
            f"`magnitude` has {frames} frames, {samples} samples at frame_step={frame_step}; "
            f"keras.ops.stft with fft_length={fft_length} needs more than {fft_length // 2} "
            f"samples, so at least {(fft_length // 2 - fft_length % 2) // frame_step + 2} "
            f"frames. Received: magnitude.shape={shape}"
        )

    def stft(x):
        return ops.stft(x, frame_length, frame_step, fft_length, window=window)

    # keras.ops.istft on TensorFlow divides by the window overlap of the steady
    # state, which is wrong near the ends (by 17% for a full-length Hann at a
    # quarter hop). Dividing by istft(stft(ones)) makes it the least-squares
    # inverse, so that stft(istft(.)) is a projection, on every backend (on JAX
    # this is a no-op).
    overlap = ops.istft(stft(ops.ones((samples,), "float32")), frame_length, frame_step,
                        fft_length, length=samples, window=window)

    def istft(real, imag):
        x = ops.istft((real, imag), frame_length, frame_step, fft_length, length=samples,
                      window=window)
        return ops.divide_no_nan(x, overlap)

    phase = keras.random.uniform((frames, bins), 0.0, 2.0 * np.pi, seed=seed)
    real, imag = magnitude * ops.cos(phase), magnitude * ops.sin(phase)

    def iteration(_, state):
        real, imag, previous_real, previous_imag = state
        t_real = real + momentum * (real - previous_real)
        t_imag = imag + momentum * (imag - previous_imag)
        a_real, a_imag = stft(istft(t_real, t_imag))
        modulus = ops.sqrt(a_real * a_real + a_imag * a_imag)
        nonzero = modulus > 0
        # A bin that came out exactly zero has no phase; give it phase 0.
        safe = ops.where(nonzero, modulus, 1.0)
        return (magnitude * ops.where(nonzero, a_real / safe, 1.0),
                magnitude * ops.where(nonzero, a_imag / safe, 0.0), real, imag)

    # A loop, not 32 unrolled copies: compiled (`keras_ae.backend.compiled`),
    # the graph holds one iteration, which XLA compiles many times faster.
    real, imag, _, _ = ops.fori_loop(0, iterations, iteration, (real, imag, real, imag))
    return istft(real, imag)
