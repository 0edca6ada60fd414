"""Training speed of the zoo's VQVAE (examples/s), with and without jit_compile.

The baseline, measured in the same run, is the zoo's plain AutoEncoder with
the same encoder and decoder: the ratio is what the quantizer costs.

    python benchmarks/vqvae.py [--batch 128] [--steps 20]
"""

import argparse
import time

import keras
import numpy as np

from keras_ae.zoo import fashion_mnist as zoo


def examples_per_second(build, x, jit, steps):
    model = build()
    model.compile(keras.optimizers.Adam(1e-3), jit_compile=jit)
    model.fit(x, batch_size=len(x), epochs=2, verbose=0)  # compile and warm up
    data = np.concatenate([x] * steps)
    start = time.perf_counter()
    model.fit(data, batch_size=len(x), epochs=1, verbose=0)
    return len(data) / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    x = np.random.default_rng(0).uniform(size=(args.batch, 28, 28, 1)).astype("float32")
    print(f"backend={keras.backend.backend()} batch={args.batch} steps={args.steps}")
    print(f"{'model':34s} {'examples/s':>11s} {'ratio to AutoEncoder':>21s}")
    for jit in (False, True):
        base = examples_per_second(zoo.autoencoder, x, jit, args.steps)
        print(f"{'AutoEncoder, jit=' + str(jit):34s} {base:11.0f} {1.0:21.2f}")
        ours = examples_per_second(zoo.vqvae, x, jit, args.steps)
        print(f"{'VQVAE (512 codes), jit=' + str(jit):34s} {ours:11.0f} {ours / base:21.2f}")


if __name__ == "__main__":
    main()
