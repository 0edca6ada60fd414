"""Speech models for 8 kHz recordings (the Free Spoken Digit Dataset).

The encoders take raw waveforms, `(batch, samples)` at `SAMPLING_RATE`, and
compute their log-mel features inside the model, so a preset needs nothing
but the waveform (resample other rates with `keras_ae.data.resample`).
"""

import keras

from keras_ae.layers import CumulativeMeanNormalization
from keras_ae.layers import LogMelSpectrogram
from keras_ae.models import CPC

SAMPLING_RATE = 8000
# 25 ms windows every 10 ms, 40 mel bands: the usual speech front end.
NUM_MEL_BINS = 40
CROP_LENGTH = 4000  # 0.5 s training windows: 51 frames, the median clip is 0.42 s


def cpc_encoder(dim=256, name="encoder"):
    """Waveforms → one `dim`-d frame every 10 ms.

    Log-mel bands less their running mean (the causal form of cepstral mean
    normalization: it removes what stays constant, the microphone and much
    of the voice's timbre), a per-frame projection, and a causal convolution
    over three frames (30 ms); layer normalisation keeps each frame's scale
    free of the recording's loudness.
    """
    waves = keras.Input((None,), name="waveform")
    h = LogMelSpectrogram(sampling_rate=SAMPLING_RATE, num_mel_bins=NUM_MEL_BINS,
                          name="log_mel")(waves)
    h = CumulativeMeanNormalization(name="running_mean_norm")(h)
    h = keras.layers.Dense(dim, name="project")(h)
    h = keras.layers.LayerNormalization(name="project_norm")(h)
    h = keras.layers.Activation("relu", name="project_relu")(h)
    h = keras.layers.Conv1D(dim, 3, padding="causal", activation="relu", name="conv")(h)
    h = keras.layers.Conv1D(dim, 1, name="to_frame")(h)
    outputs = keras.layers.LayerNormalization(name="frame_norm")(h)
    return keras.Model(waves, outputs, name=name)


def cpc(dim=256, context_units=256, prediction_steps=12, negatives="same_group",
        num_negatives=16):
    """CPC with `cpc_encoder` and a GRU context, as in the `cpc_fsdd` preset.

    The defaults are the preset's: negatives from clips of the same speaker
    (pass the speakers as `y` to `fit`), 12 steps (120 ms) ahead.
    """
    return CPC(
        cpc_encoder(dim),
        prediction_steps=prediction_steps,
        negatives=negatives,
        num_negatives=num_negatives,
        context_units=context_units,
        seed=0,
        name="cpc",
    )
