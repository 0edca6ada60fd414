"""Trains the `vqvae_fashion_mnist` preset: VQ-VAE, 512 codes on a 7×7 grid."""

import common
import keras
import numpy as np

from keras_ae.zoo import fashion_mnist as zoo

DESCRIPTION = ("VQ-VAE on Fashion-MNIST: a convolutional encoder to a 7×7 grid of "
               "64-d vectors, each replaced by one of 512 codes (EMA codebook, k-means "
               "initialisation, dead-code restarts): 49 codes × 9 bits = 441 bits an image.")


def main():
    args = common.parse_args("vqvae_fashion_mnist", epochs=15, description=DESCRIPTION)
    x_train, x_test, _ = common.load_data(args)
    keras.utils.set_random_seed(args.seed)
    model = zoo.vqvae()
    seconds = common.train(model, x_train, x_test, args)
    indices = keras.ops.convert_to_numpy(model.encode(x_test))
    counts = np.bincount(indices.ravel(), minlength=512)
    p = counts / counts.sum()
    metrics = {
        "test_mse": common.reconstruction_mse(model, x_test),
        "code_usage": float((counts > 0).mean()),
        "perplexity": float(np.exp(-(p[p > 0] * np.log(p[p > 0])).sum())),
        "bits_per_image": 441,
    }
    common.finish(model, args, metrics, seconds, DESCRIPTION)


if __name__ == "__main__":
    main()
