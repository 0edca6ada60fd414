"""A short demo: a VQ auto-encoder built from keras-ae layers, on Fashion-MNIST.

Run with `python -m keras_ae demo`. It trains a small convolutional encoder and
decoder around `keras_ae.layers.VectorQuantizer` on real Fashion-MNIST images,
then prints what the discrete code learned: the reconstruction error beside
simple baselines, how many codes are in use, and how much the code says about
the garment class.
"""

import time

import keras
import numpy as np

from keras_ae.data import fashion_mnist
from keras_ae.layers import VectorQuantizer

CLASSES = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def build_vq_autoencoder(num_embeddings=128, code_dim=16, seed=0):
    """A 28×28 → 7×7 codes → 28×28 convolutional VQ auto-encoder."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((28, 28, 1), name="image")
    h = keras.layers.Conv2D(32, 4, strides=2, padding="same", activation="relu")(inputs)
    h = keras.layers.Conv2D(64, 4, strides=2, padding="same", activation="relu")(h)
    z = keras.layers.Conv2D(code_dim, 1, name="pre_quantizer")(h)
    quantizer = VectorQuantizer(
        num_embeddings,
        codebook_update="ema",
        kmeans_init=True,
        dead_code_threshold=1.0,
        seed=seed,
        name="vq",
    )
    q = quantizer(z)
    h = keras.layers.Conv2DTranspose(64, 4, strides=2, padding="same", activation="relu")(q)
    h = keras.layers.Conv2DTranspose(32, 4, strides=2, padding="same", activation="relu")(h)
    outputs = keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid")(h)
    model = keras.Model(inputs, outputs, name="vq_autoencoder")
    encoder = keras.Model(inputs, z, name="encoder")
    return model, encoder, quantizer


def run(data_path=None, train_size=20000, epochs=3, batch_size=128, seed=0, verbose=2,
        logdir=None):
    """Trains the demo model and returns a dict of what it measured.

    With `logdir`, TensorBoard logs of the losses, perplexity and code usage
    are written there.
    """
    start = time.time()
    x_train, _ = fashion_mnist("train", path=data_path, limit=train_size)
    x_test, y_test = fashion_mnist("test", path=data_path)
    print(f"Fashion-MNIST: {len(x_train)} training and {len(x_test)} test images")

    model, encoder, vq = build_vq_autoencoder(seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="mse")
    callbacks = [keras.callbacks.TensorBoard(logdir)] if logdir else []
    model.fit(x_train, x_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
              validation_data=(x_test[:2000], x_test[:2000]), callbacks=callbacks)

    recon = model.predict(x_test, batch_size=500, verbose=0)
    mse = float(np.mean((recon - x_test) ** 2))
    mean_image_mse = float(np.mean((x_train.mean(0) - x_test) ** 2))
    codes = keras.ops.convert_to_numpy(vq.encode(encoder.predict(x_test, batch_size=500, verbose=0)))
    counts = np.bincount(codes.ravel(), minlength=vq.num_embeddings)
    p = counts / counts.sum()
    perplexity = float(np.exp(-(p[p > 0] * np.log(p[p > 0])).sum()))
    used = int((counts > 0).sum())

    # What the code knows about the class: predict the class of each test
    # image from its bag of codes with nearest class centroid (fitted on the
    # first half of the test set, scored on the second half).
    bags = np.stack([np.bincount(c.ravel(), minlength=vq.num_embeddings) for c in codes])
    bags = bags / bags.sum(1, keepdims=True)
    half = len(bags) // 2
    centroids = np.stack([bags[:half][y_test[:half] == k].mean(0) for k in range(10)])
    pred = np.argmin(((bags[half:, None] - centroids[None]) ** 2).sum(-1), axis=1)
    class_accuracy = float(np.mean(pred == y_test[half:]))

    bits = codes[0].size * np.log2(vq.num_embeddings)
    print()
    print("What the VQ auto-encoder learned (10,000 test images):")
    print(f"  reconstruction MSE         {mse:.4f}   (mean training image: {mean_image_mse:.4f})")
    print(f"  codes in use               {used} of {vq.num_embeddings}, perplexity {perplexity:.1f}")
    print(f"  code size                  {codes[0].size} codes = {bits:.0f} bits per image "
          f"(the image: {28 * 28 * 8} bits)")
    print(f"  class from bag of codes    {class_accuracy:.1%} accuracy, nearest centroid "
          f"(chance: 10%)")
    print(f"  time                       {time.time() - start:.0f} s")
    if logdir:
        print(f"TensorBoard logs: tensorboard --logdir {logdir}")
    return {
        "mse": mse,
        "mean_image_mse": mean_image_mse,
        "codes_used": used,
        "perplexity": perplexity,
        "class_accuracy": class_accuracy,
    }
