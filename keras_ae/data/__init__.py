"""Loaders for the real data sets keras-ae trains and tests on."""

from keras_ae.data.audio_batches import audio_batches
from keras_ae.data.bbc_news import BBC_TOPICS
from keras_ae.data.bbc_news import bbc_news
from keras_ae.data.debian_descriptions import debian_descriptions
from keras_ae.data.fashion_mnist import fashion_mnist
from keras_ae.data.flite_speech import FLITE_PHONES
from keras_ae.data.flite_speech import FLITE_VOICES
from keras_ae.data.flite_speech import flite_alignments
from keras_ae.data.flite_speech import flite_speech
from keras_ae.data.flite_speech import phone_labels
from keras_ae.data.fsdd import FSDD_SPEAKERS
from keras_ae.data.fsdd import fsdd
from keras_ae.data.gutenberg import GUTENBERG_BOOKS
from keras_ae.data.gutenberg import gutenberg
from keras_ae.data.parallel_batches import align_parallel
from keras_ae.data.parallel_batches import cepstra
from keras_ae.data.parallel_batches import parallel_batches
from keras_ae.data.paths import find_data_dir
from keras_ae.data.resample import resample
from keras_ae.data.sentence_batches import sentence_batches
from keras_ae.data.spoken_digits import SPOKEN_DIGIT_SPEAKERS
from keras_ae.data.spoken_digits import spoken_digits
from keras_ae.data.wav import read_wav
from keras_ae.data.wav import write_wav

__all__ = [
    "BBC_TOPICS", "FLITE_PHONES", "FLITE_VOICES", "FSDD_SPEAKERS", "GUTENBERG_BOOKS",
    "SPOKEN_DIGIT_SPEAKERS", "align_parallel", "audio_batches", "bbc_news", "cepstra",
    "debian_descriptions", "fashion_mnist", "find_data_dir", "flite_alignments", "flite_speech",
    "fsdd", "gutenberg", "parallel_batches", "phone_labels", "read_wav", "resample",
    "sentence_batches", "spoken_digits", "write_wav",
]
