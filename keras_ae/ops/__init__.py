"""Gradient tricks and signal processing as plain functions, written with `keras.ops` only.

Every function here works on every Keras backend. Instead of a backend's
custom-gradient hook, each gradient trick combines the forward value with
`stop_gradient` so that the forward value is exact and the gradient is the
one wanted.
"""

from keras_ae.ops.frequency_warp import warp_mel_frequencies
from keras_ae.ops.gradient_reversal import gradient_reversal
from keras_ae.ops.griffin_lim import griffin_lim
from keras_ae.ops.gumbel import gumbel_noise
from keras_ae.ops.gumbel import gumbel_softmax
from keras_ae.ops.straight_through import one_hot_argmax
from keras_ae.ops.straight_through import straight_through

__all__ = [
    "gradient_reversal",
    "griffin_lim",
    "gumbel_noise",
    "gumbel_softmax",
    "one_hot_argmax",
    "straight_through",
    "warp_mel_frequencies",
]
