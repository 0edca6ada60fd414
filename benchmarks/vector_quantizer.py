"""Forward and backward of `VectorQuantizer` against a bare VQ layer, in one process.

Each row is one training step of a VQ layer alone: input `(--batch, 49,
--dim)` (a 7×7 grid), `--codes` codes, float32; the step computes the
layer's output and losses, and the gradient of `sum(output * w) + losses`
with respect to the input and the trainable codebook, and updates the
layer's state (EMA statistics, usage). Rows:

- `bare`: the minimal VQ layer, written here: distances as
  `|x|² − 2x·eᵀ + |e|²`, argmin, gather, straight-through, commitment and
  codebook losses, gradient-learned codebook. The ratios are to this row.
- `keras-ae gradient`, `keras-ae ema`: `keras_ae.layers.VectorQuantizer`
  with that `codebook_update`, no k-means start and no dead-code restarts
  (the paper's layer).
- `keras-ae defaults`: the layer with its default arguments (EMA codebook,
  k-means start, dead codes restarted).
- `keras-hub VectorQuantizerEMA`, when keras-hub is importable
  (`pip install --no-deps keras-hub` keeps Keras at our pin).
- `floor`: the distance matrix product `x·eᵀ` alone, forward: the one
  O(N·K·D) operation a VQ layer needs; nothing else needs more than O(N·D).

Every row runs without and with jit: `tf.function` without and with
`jit_compile=True` on TensorFlow, eager and `jax.jit` on JAX, eager and
`torch.compile` on PyTorch. The time is the median of `--steps` steps
(after `--warmup` untimed ones), each waiting for its results, in ms.
The script uses the backend of `KERAS_BACKEND`; run it once per backend:

    KERAS_BACKEND=tensorflow python benchmarks/vector_quantizer.py [--batch 256] [--codes 512]
        [--dim 64] [--steps 30] [--warmup 3] [--jit off,on]
"""

import argparse
import statistics
import time

import keras
import numpy as np
from keras import ops

import keras_ae

FLOOR = "floor (x·eᵀ alone)"


class BareVectorQuantizer(keras.layers.Layer):
    """The baseline: the least a VQ layer with a gradient-learned codebook does."""

    def __init__(self, num_embeddings, commitment_cost=0.25, **kwargs):
        super().__init__(**kwargs)
        self.num_embeddings = num_embeddings
        self.commitment_cost = commitment_cost

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            name="embeddings", shape=(self.num_embeddings, input_shape[-1]),
            initializer="random_uniform")

    def call(self, x):
        flat = ops.reshape(x, (-1, x.shape[-1]))
        distances = (ops.sum(ops.square(flat), axis=1, keepdims=True)
                     - 2.0 * ops.matmul(flat, ops.transpose(self.embeddings))
                     + ops.sum(ops.square(self.embeddings), axis=1))
        q = ops.reshape(ops.take(self.embeddings, ops.argmin(distances, axis=1), axis=0),
                        ops.shape(x))
        loss = (self.commitment_cost * ops.mean(ops.square(x - ops.stop_gradient(q)))
                + ops.mean(ops.square(ops.stop_gradient(x) - q)))
        return x + ops.stop_gradient(q - x), loss


def rows(args):
    """(name, layer, forward): `forward(x)` gives the output and the loss."""
    bare = BareVectorQuantizer(args.codes)
    found = [("bare", bare, bare)]

    def keras_ae_forward(layer):
        def forward(x):
            return layer(x, training=True), ops.sum(layer.losses)
        return forward

    plain = {"kmeans_init": False, "dead_code_threshold": 0.0}
    for name, kwargs in (("keras-ae gradient", {"codebook_update": "gradient", **plain}),
                         ("keras-ae ema", {"codebook_update": "ema", **plain}),
                         ("keras-ae defaults", {})):
        layer = keras_ae.layers.VectorQuantizer(args.codes, seed=0, **kwargs)
        found.append((name, layer, keras_ae_forward(layer)))
    try:
        from keras_hub.src.models.rqvae.rqvae_layers import VectorQuantizerEMA
    except ImportError:
        found.append(("keras-hub VectorQuantizerEMA", None, None))
    else:
        hub = VectorQuantizerEMA(args.codes, args.dim)

        def hub_forward(x):
            quantized, _, _, loss = hub(x, training=True)
            return quantized, ops.sum(loss)

        found.append(("keras-hub VectorQuantizerEMA", hub, hub_forward))
    return found


def make_step(layer, forward, x, jit):
    """A function running one step; returns its results, computed."""
    backend = keras.backend.backend()
    w = ops.convert_to_tensor(np.random.default_rng(1).normal(size=x.shape).astype("float32"))
    x = ops.convert_to_tensor(x)
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function(jit_compile=jit)
        def step(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                out, loss = forward(x)
                total = tf.reduce_sum(out * w) + loss
            return tape.gradient(total, [x, *layer.trainable_variables])

        return lambda: step(x)
    if backend == "jax":
        import jax

        trainable, other = layer.trainable_variables, layer.non_trainable_variables

        def total(trainable_values, x, other_values):
            mapping = [*zip(trainable, trainable_values), *zip(other, other_values)]
            with keras.StatelessScope(state_mapping=mapping) as scope:
                out, loss = forward(x)
                value = ops.sum(out * w) + loss
            return value, [scope.get_current_value(v) for v in other]

        gradient = jax.grad(total, argnums=(0, 1), has_aux=True)
        gradient = jax.jit(gradient) if jit else gradient
        state = {"other": [v.value for v in other]}
        trainable_values = [v.value for v in trainable]

        def run():
            grads, state["other"] = gradient(trainable_values, x, state["other"])
            return jax.block_until_ready(grads)

        return run
    import torch

    def step(x):
        x = x.detach().requires_grad_(True)
        out, loss = forward(x)
        (torch.sum(out * w) + loss).backward()
        return x.grad

    step = torch.compile(step) if jit else step
    return lambda: step(x)


def make_floor(codebook, x, jit):
    """The distance matrix product alone, as a step."""
    backend = keras.backend.backend()
    flat = ops.convert_to_tensor(x.reshape(-1, x.shape[-1]))
    codebook = ops.convert_to_tensor(codebook)

    def product(flat, codebook):
        return ops.matmul(flat, ops.transpose(codebook))

    if backend == "tensorflow":
        import tensorflow as tf

        product = tf.function(product, jit_compile=jit)
    elif backend == "jax":
        import jax

        product = jax.jit(product) if jit else product
        return lambda: jax.block_until_ready(product(flat, codebook))
    elif jit:
        import torch

        product = torch.compile(product)
    return lambda: product(flat, codebook)


def median_ms(runs, warmup, steps):
    """The median time of each of `runs` (a dict of functions), in ms.

    The runs take turns, one step each, so a load that comes and goes on the
    machine falls on every row alike."""
    for run in runs.values():
        for _ in range(warmup):
            run()
    times = {name: [] for name in runs}
    for _ in range(steps):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: 1000 * statistics.median(t) for name, t in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--codes", type=int, default=512)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--jit", default="off,on", help="off, on, or off,on")
    args = parser.parse_args()
    jits = [{"off": False, "on": True}[j] for j in args.jit.split(",")]
    x = np.random.default_rng(0).normal(size=(args.batch, 49, args.dim)).astype("float32")
    found = rows(args)
    for _, layer, _ in found:
        if layer is not None:
            layer(x[:1])  # builds
    codebook = ops.convert_to_numpy(found[0][1].embeddings)
    times = {}
    for jit in jits:
        runs = {}
        for name, layer, forward in found:
            if layer is None:
                times[name, jit] = "not installed"
                continue
            try:
                runs[name] = make_step(layer, forward, x, jit)
                runs[name]()  # traces and compiles
            except Exception as error:  # noqa: BLE001 (a row that fails is reported)
                runs.pop(name, None)
                times[name, jit] = f"failed: {type(error).__name__}: {str(error)[:60]}"
        runs[FLOOR] = make_floor(codebook, x, jit)
        for name, value in median_ms(runs, args.warmup, args.steps).items():
            times[name, jit] = value

    print(f"backend={keras.backend.backend()} keras={keras.__version__} input=({args.batch}, 49, "
          f"{args.dim}) codes={args.codes} float32, median of {args.steps} steps, ms "
          "(ratio to bare)")
    jit_names = {False: "no jit", True: "jit"}
    print(f"| implementation | {' | '.join(jit_names[j] for j in jits)} |")
    print("| --- |" + " --- |" * len(jits))
    names = [name for name, *_ in found] + [FLOOR]
    for name in names:
        cells = []
        for jit in jits:
            value, bare = times[name, jit], times["bare", jit]
            if isinstance(value, str):
                cells.append(value)
            elif isinstance(bare, str):
                cells.append(f"{value:.1f}")
            else:
                cells.append(f"{value:.1f} ({value / bare:.2f}×)")
        print(f"| {name} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
