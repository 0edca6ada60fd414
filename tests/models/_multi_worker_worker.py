"""One process of tests/models/test_multi_worker.py: two training steps of each model.

    python _multi_worker_worker.py OUT_DIR                  # the reference
    python _multi_worker_worker.py OUT_DIR INDEX PORT PORT  # a worker

The reference is one process on the global batch, with `fit` and no
strategy. A worker is task INDEX of a two-worker
`tf.distribute.MultiWorkerMirroredStrategy` on 127.0.0.1, configured through
`TF_CONFIG`; it feeds its contiguous half of every global batch, so the
replicas' rows, gathered in replica order, are the reference's batch in its
order (CPC's negatives are indices into that gathered batch). Every process
trains each model of `MODELS` from the same seed and writes its initial and
final weights and its per-step logs to OUT_DIR/<role>_<model>.npz. Not
collected by pytest (no `test_` prefix).
"""

import json
import os
import sys

import numpy as np

STEPS = 2


def main(out_dir, *cluster):
    if cluster:
        index, ports = int(cluster[0]), cluster[1:]
        os.environ["TF_CONFIG"] = json.dumps({
            "cluster": {"worker": [f"127.0.0.1:{port}" for port in ports]},
            "task": {"type": "worker", "index": index},
        })
    import tensorflow as tf

    # Both before TensorFlow's runtime starts (keras_ae is imported after):
    # few threads, since the processes share two cores, and the strategy,
    # which configures the collective ops.
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(2)
    strategy = tf.distribute.MultiWorkerMirroredStrategy() if cluster else None
    if strategy is not None:
        assert strategy.num_replicas_in_sync == 2, strategy.num_replicas_in_sync
    role = "reference" if strategy is None else f"worker{cluster[0]}"
    for name, (make_data, global_batch, build) in MODELS.items():
        x = make_data(np.random.default_rng(0))
        assert len(x) == STEPS * global_batch, (name, len(x))
        model, initial, logs = train(strategy, build, x, global_batch)
        arrays = {"paths": np.array([v.path for v in model.weights])}
        for i, (start, end) in enumerate(zip(initial, model.get_weights())):
            arrays[f"initial_{i}"] = start
            arrays[f"final_{i}"] = end
        for key in logs[0]:
            arrays[f"log_{key}"] = np.array([float(step[key]) for step in logs])
        np.savez(os.path.join(out_dir, f"{role}_{name}.npz"), **arrays)
    print("OK", role)


def train(strategy, build, x, global_batch):
    """`STEPS` steps from seed 0; the model, its initial weights, the logs of each step."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    if strategy is None:
        model = build()
        initial = model.get_weights()
        steps = []
        keep = keras.callbacks.LambdaCallback(
            on_train_batch_end=lambda batch, logs=None: steps.append(dict(logs)))
        model.fit(x, batch_size=global_batch, epochs=1, shuffle=False, verbose=0,
                  callbacks=[keep])
        return model, initial, steps

    # Model and optimizer under the scope: their variables are mirrored.
    with strategy.scope():
        model = build()
        # Built before the first step, as `fit`'s symbolic build does, so no
        # variable is created inside the replicas' step.
        model(x[:1])
    model.reset_metrics()  # as `fit` does at the start of an epoch
    initial = model.get_weights()

    def dataset_fn(input_context):
        # One replica per worker. A dataset made by a function is never
        # auto-sharded: the function picks its worker's rows itself.
        per_replica = input_context.get_per_replica_batch_size(global_batch)
        assert per_replica * input_context.num_input_pipelines == global_batch
        start = input_context.input_pipeline_id * per_replica
        rows = x.reshape((STEPS, global_batch) + x.shape[1:])[:, start:start + per_replica]
        rows = rows.reshape((-1,) + x.shape[1:])
        return tf.data.Dataset.from_tensor_slices(rows).batch(per_replica)

    # Not `fit`: under a multi-worker strategy Keras 3.15's fit fails before
    # the first step (its symbolic build reduces the per-replica first batch,
    # and it reduces the scalar logs with `axis=0`; tensorflow/tensorflow#72388).
    # This is fit's own step: the model's `train_step` on every replica, the
    # logs averaged over the replicas.
    @tf.function(autograph=False)  # as fit's
    def train_step(batch):
        logs = strategy.run(model.train_step, args=(batch,))
        return {key: strategy.reduce("MEAN", value, axis=None) for key, value in logs.items()}

    batches = iter(strategy.distribute_datasets_from_function(dataset_fn))
    logs = [train_step(next(batches)) for _ in range(STEPS)]
    return model, initial, logs


def vqvae_data(rng):
    return rng.normal(size=(STEPS * 16, 8)).astype("float32")


def build_vqvae():
    import keras

    import keras_ae

    encoder = keras.Sequential([keras.Input((8,)), keras.layers.Dense(6),
                                keras.layers.Reshape((3, 2))])
    decoder = keras.Sequential([keras.Input((3, 2)), keras.layers.Flatten(),
                                keras.layers.Dense(8)])
    # decay 0.5: the EMA state moves far in two steps.
    quantizer = keras_ae.layers.VectorQuantizer(6, codebook_update="ema", decay=0.5,
                                                kmeans_init=False, dead_code_threshold=0.0,
                                                name="vq")
    model = keras_ae.models.VQVAE(encoder, decoder, quantizer)
    model(np.zeros((1, 8), "float32"))
    # SGD, not Adam: its step is linear in the gradient, so a wrong gradient
    # scale or a missing cross-replica term shows.
    model.compile(optimizer=keras.optimizers.SGD(0.2))
    return model


def cpc_data(rng):
    return rng.normal(size=(STEPS * 8, 64)).astype("float32")


def build_cpc():
    import keras

    import keras_ae

    encoder = keras.Sequential([keras.Input((64,)), keras.layers.Reshape((16, 4)),
                                keras.layers.Dense(6, activation="tanh")])
    model = keras_ae.models.CPC(encoder, prediction_steps=3, negatives="batch",
                                num_negatives=5, context_units=4, seed=3)
    model.compile(optimizer=keras.optimizers.SGD(0.5))
    return model


# name: (data from a numpy Generator, global batch size, build and compile).
MODELS = {
    "vqvae": (vqvae_data, 16, build_vqvae),
    "cpc": (cpc_data, 8, build_cpc),
}


if __name__ == "__main__":
    main(*sys.argv[1:])
