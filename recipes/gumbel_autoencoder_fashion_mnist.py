"""Trains the `gumbel_autoencoder_fashion_mnist` preset: one-hot codes via Gumbel-softmax."""

import common
import keras
import numpy as np

from keras_ae.zoo import fashion_mnist as zoo

DESCRIPTION = ("Gumbel-softmax auto-encoder on Fashion-MNIST: a 7×7 grid of categorical "
               "variables with 512 values each (441 bits an image), straight-through "
               "Gumbel-softmax with the temperature annealed from 1 to 0.5 and a small KL "
               "term to the uniform prior; the codes are exactly one-hot at inference.")


def main():
    args = common.parse_args("gumbel_autoencoder_fashion_mnist", epochs=8, description=DESCRIPTION)
    x_train, x_test, _ = common.load_data(args)
    keras.utils.set_random_seed(args.seed)
    model = zoo.gumbel_autoencoder()
    seconds = common.train(model, x_train, x_test, args)
    codes = keras.ops.convert_to_numpy(model.encode(x_test))
    if not (set(np.unique(codes)) <= {0.0, 1.0} and np.all(codes.sum(-1) == 1)):
        raise AssertionError("the inference codes are not one-hot")
    counts = np.bincount(codes.argmax(-1).ravel(), minlength=codes.shape[-1])
    metrics = {
        "test_mse": common.reconstruction_mse(model, x_test),
        "category_usage": float((counts > 0).mean()),
        "final_temperature": float(keras.ops.convert_to_numpy(model.bottleneck_layer.temperature)),
        "bits_per_image": 441,
    }
    common.finish(model, args, metrics, seconds, DESCRIPTION)


if __name__ == "__main__":
    main()
