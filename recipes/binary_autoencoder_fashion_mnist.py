"""Trains the `binary_autoencoder_fashion_mnist` preset: 441 bits an image."""

import common
import keras
import numpy as np

from keras_ae.zoo import fashion_mnist as zoo

DESCRIPTION = ("Binary auto-encoder on Fashion-MNIST: a 7×7 grid of 9 bits (441 bits an "
               "image, as many as the VQ-VAE's 49 codes of 512), straight-through sigmoid "
               "gradient; the codes are exactly 0/1 at inference.")


def measure(model, x_test):
    codes = keras.ops.convert_to_numpy(model.encode(x_test))
    if not set(np.unique(codes)) <= {0.0, 1.0}:
        raise AssertionError("the inference codes are not binary")
    return {
        "bits_per_image": int(codes[0].size),
        "bits_in_use": float(codes.reshape(len(codes), -1).std(0).astype(bool).mean()),
        "mean_bit": float(codes.mean()),
    }


if __name__ == "__main__":
    common.run("binary_autoencoder_fashion_mnist", 20, DESCRIPTION, zoo.binary_autoencoder,
               measure)
