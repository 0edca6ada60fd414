"""Loaders for the real data sets keras-ae trains and tests on."""

from keras_ae.data.audio_batches import audio_batches
from keras_ae.data.fashion_mnist import fashion_mnist
from keras_ae.data.fsdd import FSDD_SPEAKERS
from keras_ae.data.fsdd import fsdd
from keras_ae.data.gutenberg import GUTENBERG_BOOKS
from keras_ae.data.gutenberg import gutenberg
from keras_ae.data.paths import find_data_dir
from keras_ae.data.resample import resample
from keras_ae.data.sentence_batches import sentence_batches
from keras_ae.data.wav import read_wav
from keras_ae.data.wav import write_wav

__all__ = [
    "FSDD_SPEAKERS", "GUTENBERG_BOOKS", "audio_batches", "fashion_mnist", "find_data_dir", "fsdd",
    "gutenberg", "read_wav", "resample", "sentence_batches", "write_wav",
]
