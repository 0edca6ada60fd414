"""Loaders for the real data sets keras-ae trains and tests on."""

from keras_ae.data.fashion_mnist import fashion_mnist
from keras_ae.data.paths import find_data_dir

__all__ = ["fashion_mnist", "find_data_dir"]
