"""Trains the `autoencoder_fashion_mnist` preset: the continuous baseline."""

import common

from keras_ae.zoo import fashion_mnist as zoo

DESCRIPTION = ("Plain AutoEncoder on Fashion-MNIST with the VQ-VAE's latent shape (a 7×7×64 "
               "grid of floats, not quantized): the upper reference for the discrete codes.")


def measure(model, x_test):
    return {"latent_floats": 7 * 7 * 64}


if __name__ == "__main__":
    common.run("autoencoder_fashion_mnist", 15, DESCRIPTION, zoo.autoencoder, measure)
