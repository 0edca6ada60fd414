"""Drop-in layers: discrete bottlenecks, normalisations, gradient reversal, audio front ends,
a weighted bag of words, and an ordered pointer that picks words of a document."""

from keras_ae.layers.adaptive_instance_normalization import AdaptiveInstanceNormalization
from keras_ae.layers.binary_straight_through import BinaryStraightThrough
from keras_ae.layers.cumulative_mean_normalization import CumulativeMeanNormalization
from keras_ae.layers.gradient_reversal import GradientReversal
from keras_ae.layers.gumbel_softmax import GumbelSoftmax
from keras_ae.layers.instance_normalization import InstanceNormalization
from keras_ae.layers.log_mel_spectrogram import LogMelSpectrogram
from keras_ae.layers.mfcc import MFCC
from keras_ae.layers.mfcc import CepstralSmoothing
from keras_ae.layers.one_hot_straight_through import OneHotStraightThrough
from keras_ae.layers.ordered_pointer import OrderedPointer
from keras_ae.layers.vector_quantizer import VectorQuantizer
from keras_ae.layers.weighted_bag_of_words import WeightedBagOfWords

__all__ = [
    "AdaptiveInstanceNormalization",
    "BinaryStraightThrough",
    "CepstralSmoothing",
    "CumulativeMeanNormalization",
    "GradientReversal",
    "GumbelSoftmax",
    "InstanceNormalization",
    "LogMelSpectrogram",
    "MFCC",
    "OneHotStraightThrough",
    "OrderedPointer",
    "VectorQuantizer",
    "WeightedBagOfWords",
]
