"""Speed of the audio pipeline and of the CPC training step, on FSDD.

Two tables, each against a baseline measured in the same run:

1. Audio pipeline, clips/s through `keras_ae.data.audio_batches` (padded
   with masks, or cut to 0.5 s crops), with and without the log-mel front
   end mapped inside `tf.data`. Baseline: the same number of clips as one
   fixed `(clips, 4000)` array batched by `tf.data` (what a pipeline costs
   when there is nothing to pad or cut).
2. Training examples/s of the zoo's CPC (`keras_ae.zoo.fsdd.cpc`: log-mel
   frames, 256-d encoder, GRU 256, 12 steps, 16 same-speaker negatives),
   with and without `jit_compile`. Baseline: the same encoder and GRU trained
   to regress the next log-mel frame with a mean squared error (autoregressive
   predictive coding), so the ratio is what the contrastive loss and its
   negatives cost.

    python benchmarks/cpc.py [--batch 32] [--steps 10] [--data PATH]

Needs the FSDD recordings (`--data`, `$KERAS_AE_DATA` or the usual places).
CPC trains on the TensorFlow backend only.
"""

import argparse
import time

import keras
import numpy as np

from keras_ae.data import audio_batches
from keras_ae.data import fsdd
from keras_ae.layers import LogMelSpectrogram
from keras_ae.zoo import fsdd as zoo


def clips_per_second(dataset, clips, epochs=3):
    """Iterates `dataset` `epochs` times (after one warm-up pass); clips/s."""
    for _ in dataset:
        pass
    start = time.perf_counter()
    for _ in range(epochs):
        for _ in dataset:
            pass
    return epochs * clips / (time.perf_counter() - start)


def pipeline_table(clips, speakers, batch):
    import tensorflow as tf

    log_mel = LogMelSpectrogram(sampling_rate=zoo.SAMPLING_RATE, num_mel_bins=zoo.NUM_MEL_BINS)
    fixed = np.zeros((len(clips), zoo.CROP_LENGTH), "float32")
    for i, clip in enumerate(clips):
        fixed[i, : min(len(clip), zoo.CROP_LENGTH)] = clip[: zoo.CROP_LENGTH]
    rows = [
        ("fixed array (baseline)", tf.data.Dataset.from_tensor_slices(fixed).batch(batch)),
        ("cropped to 0.5 s", audio_batches(clips, speakers, batch_size=batch,
                                           crop_length=zoo.CROP_LENGTH, shuffle=True)),
        ("padded, with masks", audio_batches(clips, speakers, batch_size=batch)),
    ]
    rows.append(("fixed array + log-mel", rows[0][1].map(log_mel)))
    rows.append(("cropped + log-mel", rows[1][1].map(lambda w, s: (log_mel(w), s))))
    rows.append(("padded + log-mel", rows[2][1].map(lambda ws, s: ((log_mel(ws[0]), ws[1]), s))))
    print(f"\nAudio pipeline, {len(clips)} FSDD clips, batch {batch}")
    print(f"{'pipeline':26s} {'clips/s':>10s} {'ratio to fixed array':>21s}")
    base = None
    for name, dataset in rows:
        speed = clips_per_second(dataset.prefetch(2), len(clips))
        base = base or speed
        print(f"{name:26s} {speed:10.0f} {speed / base:21.2f}", flush=True)


def next_frame_regression():
    """The baseline model: zoo encoder → GRU → the next log-mel frame."""
    encoder = zoo.cpc_encoder()
    waves = keras.Input((None,))
    context = keras.layers.GRU(256, return_sequences=True)(encoder(waves))
    prediction = keras.layers.Dense(zoo.NUM_MEL_BINS)(context)
    # Frame t predicts frame t + 1: drop the last prediction.
    prediction = keras.layers.Lambda(lambda p: p[:, :-1])(prediction)
    return keras.Model(waves, prediction)


def examples_per_second(model, x, y, batch, jit):
    model.compile(keras.optimizers.Adam(1e-3), loss="mse" if not hasattr(model, "step_losses")
                  else None, jit_compile=jit)
    model.fit(x[: 2 * batch], y[: 2 * batch], batch_size=batch, epochs=2, verbose=0, shuffle=False)
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    return len(x) / (time.perf_counter() - start)


def training_table(clips, speakers, batch, steps):
    rng = np.random.default_rng(0)
    count = batch * steps
    chosen = rng.choice(len(clips), count, replace=False)
    x = np.zeros((count, zoo.CROP_LENGTH), "float32")
    for row, i in enumerate(chosen):
        clip = clips[i]
        start = rng.integers(0, max(1, len(clip) - zoo.CROP_LENGTH + 1))
        piece = clip[start : start + zoo.CROP_LENGTH]
        x[row, : len(piece)] = piece
    groups = speakers[chosen]
    log_mel = LogMelSpectrogram(sampling_rate=zoo.SAMPLING_RATE, num_mel_bins=zoo.NUM_MEL_BINS)
    next_frames = keras.ops.convert_to_numpy(log_mel(x))[:, 1:]

    print(f"\nTraining step, 0.5 s crops, batch {batch}, {steps} steps, backend "
          f"{keras.backend.backend()}")
    print(f"{'model':40s} {'examples/s':>11s} {'ratio to regression':>20s}")
    for jit in (False, True):
        keras.utils.set_random_seed(0)
        base = examples_per_second(next_frame_regression(), x, next_frames, batch, jit)
        print(f"{'next-frame regression, jit=' + str(jit):40s} {base:11.1f} {1.0:20.2f}",
              flush=True)
        keras.utils.set_random_seed(0)
        ours = examples_per_second(zoo.cpc(), x, groups, batch, jit)
        print(f"{'CPC (K=12, N=16, same speaker), jit=' + str(jit):40s} {ours:11.1f} "
              f"{ours / base:20.2f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--data", default=None, help="the fsdd folder")
    parser.add_argument("--skip-pipeline", action="store_true")
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    clips, _, speakers = fsdd("train", path=args.data)
    if not args.skip_pipeline:
        pipeline_table(clips, speakers, args.batch)
    if not args.skip_training:
        training_table(clips, speakers, args.batch, args.steps)


if __name__ == "__main__":
    main()
