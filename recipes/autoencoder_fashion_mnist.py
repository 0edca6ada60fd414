"""Trains the `autoencoder_fashion_mnist` preset: the continuous baseline."""

import common
import keras

from keras_ae.zoo import fashion_mnist as zoo

DESCRIPTION = ("Plain AutoEncoder on Fashion-MNIST with the VQ-VAE's latent shape (a 7×7×64 "
               "grid of floats, not quantized): the upper reference for the discrete codes.")


def main():
    args = common.parse_args("autoencoder_fashion_mnist", epochs=15, description=DESCRIPTION)
    x_train, x_test, _ = common.load_data(args)
    keras.utils.set_random_seed(args.seed)
    model = zoo.autoencoder()
    seconds = common.train(model, x_train, x_test, args)
    metrics = {"test_mse": common.reconstruction_mse(model, x_test), "latent_floats": 7 * 7 * 64}
    common.finish(model, args, metrics, seconds, DESCRIPTION)


if __name__ == "__main__":
    main()
