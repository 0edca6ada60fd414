"""Training speed of VectorQuantizer against a broadcasting baseline.

The baseline is a minimal VQ layer whose distances broadcast `(N, 1, D) -
(1, K, D)`, the straightforward way that builds an `(N, K, D)` tensor;
keras-ae expands `|x|² − 2x·e + |e|²` into one matrix product. Both run inside
the same tiny model under `fit`, in this process, and the script prints
steps per second and the ratio.

    python benchmarks/vector_quantizer.py [--batch 64] [--codes 512] [--dim 64]
"""

import argparse
import time

import keras
import numpy as np
from keras import ops

import keras_ae


class BroadcastVectorQuantizer(keras.layers.Layer):
    """The baseline: VQ with an (N, K, D) distance tensor, gradient codebook."""

    def __init__(self, num_embeddings, **kwargs):
        super().__init__(**kwargs)
        self.num_embeddings = num_embeddings

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            name="embeddings", shape=(self.num_embeddings, input_shape[-1]),
            initializer="random_uniform")

    def call(self, x):
        flat = ops.reshape(x, (-1, x.shape[-1]))
        d = ops.sum(ops.square(flat[:, None, :] - self.embeddings[None, :, :]), axis=-1)
        q = ops.reshape(ops.take(self.embeddings, ops.argmin(d, axis=1), axis=0), ops.shape(x))
        self.add_loss(1.25 * ops.mean(ops.square(x - q)))
        return x + ops.stop_gradient(q - x)


def make_model(quantizer, dim):
    inputs = keras.Input((7, 7, dim))
    h = keras.layers.Conv2D(dim, 1)(inputs)
    out = keras.layers.Conv2D(dim, 1)(quantizer(h))
    return keras.Model(inputs, out)


def steps_per_second(quantizer, x, dim, jit, steps):
    model = make_model(quantizer, dim)
    model.compile(keras.optimizers.Adam(1e-3), "mse", jit_compile=jit)
    model.fit(x, x, batch_size=len(x), epochs=2, verbose=0)  # compile and warm up
    data = np.concatenate([x] * steps)
    start = time.perf_counter()
    model.fit(data, data, batch_size=len(x), epochs=1, verbose=0)
    return steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--codes", type=int, default=512)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    x = np.random.default_rng(0).normal(size=(args.batch, 7, 7, args.dim)).astype("float32")
    print(f"backend={keras.backend.backend()} batch={args.batch} vectors/step="
          f"{args.batch * 49} codes={args.codes} dim={args.dim}")
    print(f"{'variant':38s} {'steps/s':>9s} {'ratio to baseline':>18s}")
    for jit in (False, True):
        base = steps_per_second(BroadcastVectorQuantizer(args.codes), x, args.dim, jit, args.steps)
        print(f"{'baseline (N,K,D) broadcast, jit=' + str(jit):38s} {base:9.1f} {1.0:18.2f}")
        for update in ("gradient", "ema"):
            layer = keras_ae.layers.VectorQuantizer(args.codes, codebook_update=update, seed=0)
            ours = steps_per_second(layer, x, args.dim, jit, args.steps)
            print(f"{'keras-ae ' + update + ', jit=' + str(jit):38s} {ours:9.1f} "
                  f"{ours / base:18.2f}")


if __name__ == "__main__":
    main()
