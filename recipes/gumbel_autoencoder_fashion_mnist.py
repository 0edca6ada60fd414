"""Trains the `gumbel_autoencoder_fashion_mnist` preset: one-hot codes via Gumbel-softmax."""

import common
import keras
import numpy as np

from keras_ae.zoo import fashion_mnist as zoo

DESCRIPTION = ("Gumbel-softmax auto-encoder on Fashion-MNIST: a 7×7 grid of categorical "
               "variables with 512 values each (441 bits an image), straight-through "
               "Gumbel-softmax with the temperature annealed from 1 to 0.5 and a small KL "
               "term to the uniform prior; the codes are exactly one-hot at inference.")


def measure(model, x_test):
    codes = keras.ops.convert_to_numpy(model.encode(x_test))
    if not (set(np.unique(codes)) <= {0.0, 1.0} and np.all(codes.sum(-1) == 1)):
        raise AssertionError("the inference codes are not one-hot")
    counts = np.bincount(codes.argmax(-1).ravel(), minlength=codes.shape[-1])
    return {
        "category_usage": float((counts > 0).mean()),
        "final_temperature": float(keras.ops.convert_to_numpy(model.bottleneck_layer.temperature)),
        "bits_per_image": 441,
    }


if __name__ == "__main__":
    common.run("gumbel_autoencoder_fashion_mnist", 8, DESCRIPTION, zoo.gumbel_autoencoder,
               measure)
