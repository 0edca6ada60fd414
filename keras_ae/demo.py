"""The demos behind `keras-ae demo`, on real Fashion-MNIST images.

- `run_preset` (`keras-ae demo`): loads the shipped `vqvae_fashion_mnist`
  preset, reconstructs the 10,000 test images, writes a PNG grid of inputs
  beside their reconstructions, and prints the test MSE and code usage.
- `run` (`keras-ae demo --train`): trains a small convolutional auto-encoder
  around `keras_ae.layers.VectorQuantizer` for about a minute and prints what
  the discrete code learned: the reconstruction error beside a baseline, how
  many codes are in use, and how much the code says about the garment class.
"""

import time

import keras
import numpy as np

from keras_ae.callbacks import image_grid
from keras_ae.data import fashion_mnist
from keras_ae.layers import VectorQuantizer
from keras_ae.models import VQVAE

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
    latent = encoder.predict(x_test, batch_size=500, verbose=0)
    codes = keras.ops.convert_to_numpy(vq.encode(latent))
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
    print(f"  codes in use               {used} of {vq.num_embeddings}, "
          f"perplexity {perplexity:.1f}")
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


def run_preset(data_path=None, output="demo_output/vqvae_fashion_mnist.png",
               preset="vqvae_fashion_mnist"):
    """Reconstructs the test set with a shipped preset; returns its metrics."""
    start = time.time()
    model = VQVAE.from_preset(preset)
    x_test, _ = fashion_mnist("test", path=data_path)
    recon = model.predict(x_test, batch_size=500, verbose=0)
    mse = float(np.mean((recon - x_test) ** 2))
    indices = keras.ops.convert_to_numpy(model.encode(x_test))
    num_codes = model.quantizer.num_embeddings
    usage = float(np.mean(np.bincount(indices.ravel(), minlength=num_codes) > 0))
    if output:
        import os

        os.makedirs(os.path.dirname(output) or ".", exist_ok=True)
        keras.utils.save_img(output, image_grid(x_test[:32], np.clip(recon[:32], 0, 1)),
                             scale=True)
    card = model_card_metrics(preset)
    print(f"{preset} on the 10,000 Fashion-MNIST test images:")
    print(f"  reconstruction MSE   {mse:.5f}   (model card: {card.get('test_mse')})")
    print(f"  codes in use         {usage:.1%} of {num_codes}   (model card: "
          f"{card.get('code_usage')})")
    print(f"  code per image       {indices[0].size} indices, e.g. the first row of the "
          f"first image: {indices[0, 0].tolist()}")
    if output:
        print(f"  inputs beside their reconstructions: {output}")
    print(f"  time                 {time.time() - start:.1f} s")
    return {"mse": mse, "code_usage": usage}


def model_card_metrics(preset):
    """The metrics in a preset's metadata (a built-in name or a folder)."""
    import json
    import os

    from keras_ae.presets import list_presets

    path = os.path.join(preset, "metadata.json")
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f).get("metrics", {})
    return list_presets().get(preset, {}).get("metrics", {})
