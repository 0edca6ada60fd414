"""Convolutional encoders and decoders for 28×28 grey images (Fashion-MNIST).

The encoder maps an image to a 7×7 grid of `channels`-dimensional vectors;
the decoder maps such a grid back to an image with pixels in [0, 1]. The
zoo's auto-encoders share them, so their numbers compare like for like.
"""

import keras

from keras_ae.layers import BinaryStraightThrough
from keras_ae.layers import GumbelSoftmax
from keras_ae.layers import VectorQuantizer
from keras_ae.models import VQVAE
from keras_ae.models import AutoEncoder
from keras_ae.models import DeepInfoMax
from keras_ae.models import DiscreteAutoEncoder

IMAGE_SHAPE = (28, 28, 1)
GRID = (7, 7)


def _residual(x, filters, name):
    h = keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"{name}_conv1")(x)
    h = keras.layers.Conv2D(filters, 1, name=f"{name}_conv2")(h)
    added = keras.layers.Add(name=f"{name}_add")([x, h])
    return keras.layers.Activation("relu", name=f"{name}_out")(added)


def conv_encoder(channels, width=64, name="encoder"):
    """28×28×1 images → a 7×7×`channels` grid (two stride-2 convolutions)."""
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    h = keras.layers.Conv2D(width // 2, 4, strides=2, padding="same", activation="relu",
                            name="down1")(inputs)
    h = keras.layers.Conv2D(width, 4, strides=2, padding="same", activation="relu", name="down2")(h)
    h = _residual(h, width, "res")
    outputs = keras.layers.Conv2D(channels, 1, name="to_code")(h)
    return keras.Model(inputs, outputs, name=name)


def conv_decoder(channels, width=64, name="decoder"):
    """A 7×7×`channels` grid → 28×28×1 images with pixels in [0, 1]."""
    inputs = keras.Input(GRID + (channels,), name="code")
    h = keras.layers.Conv2D(width, 3, padding="same", activation="relu", name="from_code")(inputs)
    h = _residual(h, width, "res")
    h = keras.layers.Conv2DTranspose(width // 2, 4, strides=2, padding="same", activation="relu",
                                     name="up1")(h)
    h = keras.layers.Conv2DTranspose(width // 2, 4, strides=2, padding="same", activation="relu",
                                     name="up2")(h)
    outputs = keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid", name="image")(h)
    return keras.Model(inputs, outputs, name=name)


def autoencoder(channels=64):
    """The continuous baseline: the same grid as the VQ-VAE, not quantized."""
    return AutoEncoder(conv_encoder(channels), conv_decoder(channels), name="autoencoder")


def vqvae(num_embeddings=512, channels=64):
    """VQ-VAE with `num_embeddings` codes on a 7×7 grid (9 bits a cell for 512)."""
    quantizer = VectorQuantizer(
        num_embeddings,
        codebook_update="ema",
        kmeans_init=True,
        dead_code_threshold=1.0,
        seed=0,
        name="quantizer",
    )
    return VQVAE(conv_encoder(channels), conv_decoder(channels), quantizer, name="vqvae")


def binary_autoencoder(bits_per_cell=9):
    """Bits on a 7×7 grid: 441 bits for 9 a cell, as many as 512 codes."""
    return DiscreteAutoEncoder(
        conv_encoder(bits_per_cell),
        conv_decoder(bits_per_cell),
        BinaryStraightThrough(name="bits"),
        name="binary_autoencoder",
    )


def gumbel_autoencoder(categories=512, kl_weight=1e-3, anneal_rate=1e-4):
    """One categorical variable of `categories` values per cell of the 7×7 grid."""
    return DiscreteAutoEncoder(
        conv_encoder(categories),
        conv_decoder(categories),
        GumbelSoftmax(temperature=1.0, hard=True, seed=0, name="gumbel"),
        kl_weight=kl_weight,
        anneal_rate=anneal_rate,
        min_temperature=0.5,
        name="gumbel_autoencoder",
    )


def dim_encoder(representation_dim=256, width=64, name="dim_encoder"):
    """28×28×1 images → `[feature map 7×7×2·width, representation (dim,) in [0, 1]]`.

    Three convolutions with batch normalisation give the local feature map
    `M`. From it, a 1×1 convolution to 32 channels (which keeps the weights
    small), a hidden layer of 512 units and a sigmoid layer give `Y`, bounded
    to [0, 1] to match Deep InfoMax's uniform prior.
    """
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    h = inputs
    for i, (filters, size, stride) in enumerate(
            [(width // 2, 3, 1), (width, 4, 2), (2 * width, 4, 2)], start=1):
        h = keras.layers.Conv2D(filters, size, strides=stride, padding="same", use_bias=False,
                                name=f"conv{i}")(h)
        h = keras.layers.BatchNormalization(name=f"bn{i}")(h)
        h = keras.layers.Activation("relu", name=f"relu{i}")(h)
    feature_map = h
    h = keras.layers.Conv2D(32, 1, use_bias=False, name="squeeze")(feature_map)
    h = keras.layers.BatchNormalization(name="squeeze_bn")(h)
    h = keras.layers.Activation("relu", name="squeeze_relu")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    h = keras.layers.Dense(512, use_bias=False, name="hidden")(h)
    h = keras.layers.BatchNormalization(name="hidden_bn")(h)
    h = keras.layers.Activation("relu", name="hidden_relu")(h)
    representation = keras.layers.Dense(representation_dim, activation="sigmoid",
                                        name="representation")(h)
    return keras.Model(inputs, [feature_map, representation], name=name)


def deep_info_max(representation_dim=256, estimator="infonce", global_weight=0.0,
                  local_weight=1.0, prior_weight=0.0, probe_classes=10):
    """Deep InfoMax on Fashion-MNIST with the `dim_encoder` above.

    The defaults are local DIM with InfoNCE, the best of the variants tried
    for the `dim_fashion_mnist` preset (see its model card).
    """
    return DeepInfoMax(
        dim_encoder(representation_dim),
        global_weight=global_weight,
        local_weight=local_weight,
        prior_weight=prior_weight,
        estimator=estimator,
        critic_units=256,
        critic_dim=256,
        probe_classes=probe_classes,
        seed=0,
        name="deep_info_max",
    )
