"""Trains the `vqvae_fashion_mnist` preset: VQ-VAE, 512 codes on a 7×7 grid."""

import common
import keras
import numpy as np

from keras_ae.zoo import fashion_mnist as zoo

DESCRIPTION = ("VQ-VAE on Fashion-MNIST: a convolutional encoder to a 7×7 grid of "
               "64-d vectors, each replaced by one of 512 codes (EMA codebook, k-means "
               "initialisation, dead-code restarts): 49 codes × 9 bits = 441 bits an image.")


def measure(model, x_test):
    indices = keras.ops.convert_to_numpy(model.encode(x_test))
    counts = np.bincount(indices.ravel(), minlength=512)
    p = counts / counts.sum()
    return {
        "code_usage": float((counts > 0).mean()),
        "perplexity": float(np.exp(-(p[p > 0] * np.log(p[p > 0])).sum())),
        "bits_per_image": 441,
    }


if __name__ == "__main__":
    common.run("vqvae_fashion_mnist", 15, DESCRIPTION, zoo.vqvae, measure)
