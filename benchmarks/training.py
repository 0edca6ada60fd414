"""Training examples/s of every model on every Keras backend, with and without jit.

Each model of `keras_ae.models`, built from the zoo's architectures, trains
on synthetic inputs of the shapes it is made for, so no data set is needed:

- `AutoEncoder`, `VQVAE` (512 codes, EMA, k-means start),
  `DiscreteAutoEncoder` (Gumbel-softmax, 512 categories a cell, τ annealed)
  and `DeepInfoMax` (local InfoNCE, prior matching, online probe fed with
  labels): `keras_ae.zoo.fashion_mnist`, random 28×28×1 images;
- `CPC` (`keras_ae.zoo.fsdd.cpc`, same-speaker negatives, speakers as `y`):
  random 8 kHz waveforms of `--seconds`;
- `QuickThought` and `SkipThought` on token ids (no tokenizer, so every
  backend takes the input), both with the `keras_ae.zoo.gutenberg` encoder;
  random ids, padded after a random length.

For each backend (tensorflow, jax, torch) and `jit_compile` False and True,
a model is built with a fixed seed, compiled with Adam, and trained by one
`fit`: `--warmup` untimed steps (tracing and compilation), then up to
`--steps` timed ones (fewer if they pass `--max-seconds`, which keeps slow
eager runs short), each waiting for its results. The baseline, measured in
the same run, is the same model on TensorFlow without jit: the table gives
each cell's examples/s and its ratio to that.

Keras fixes the backend per process, so each backend runs in a subprocess of
this script (`KERAS_BACKEND` set), one at a time: with parallel runs the
timings would mean nothing. A combination that fails, or takes longer than
`--timeout` (model building and compilation included), is reported as
`failed: <why>` and the run goes on. On two cores torch.compile of the
recurrent models (CPC's GRU, SkipThought's decoders) can take longer than
the default 120 s; raise `--timeout` to wait for it.

    python benchmarks/training.py [--batch 32] [--warmup 2] [--steps 10] [--seconds 0.5]
        [--models AutoEncoder,CPC] [--backends tensorflow,jax] [--jit off,on]
        [--timeout 120] [--quick]

`--quick` is a smoke run of the AutoEncoder alone (every backend, both jit
settings; small sizes, 1 warm-up and 2 timed steps): about a minute on two
cores. `--quick --models all` smoke-tests every model. The numbers of a
smoke run mean nothing. A default run takes roughly 10-20 minutes on two
cores, much of it in torch.compile.
"""

import argparse
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

# Keras is imported only inside the worker's functions: KERAS_BACKEND must be
# set before it is, and the parent process trains nothing.
MODELS = ("AutoEncoder", "VQVAE", "DiscreteAutoEncoder", "DeepInfoMax", "CPC", "QuickThought",
          "SkipThought")
# One model keeps a smoke run under 2 minutes on two cores: torch.compile alone
# takes ~30 s a model. `--quick --models all` smoke-tests every model.
QUICK_MODELS = ("AutoEncoder",)
BACKENDS = ("tensorflow", "jax", "torch")
SPEAKERS = 6  # groups for CPC's same-speaker negatives; each batch holds several of each
# name: (default, with --quick, type, help)
SIZES = {
    "batch": (32, 8, int, "examples a step"),
    "warmup": (2, 1, int, "untimed steps first (tracing and compilation)"),
    "steps": (10, 2, int, "timed steps after them, at most"),
    "max_seconds": (10, 5, float, "timing stops after a step ending this late (slow eager runs)"),
    "seconds": (0.5, 0.25, float, "CPC's waveforms (0.5: the zoo's training crops)"),
    "vocabulary": (8000, 500, int, "the text models' token ids"),
    "length": (32, 16, int, "tokens a sentence"),
    "decoder_units": (256, 32, int, "SkipThought's decoder GRUs and word embeddings"),
    "timeout": (120, 60, float, "seconds a (model, backend, jit) may take, build included"),
}


def build(name, args):
    """The model `name` and its synthetic `(x, y)`, with enough rows for every step."""
    from keras_ae import models
    from keras_ae.zoo import fashion_mnist
    from keras_ae.zoo import fsdd
    from keras_ae.zoo import gutenberg

    rng = np.random.default_rng(0)
    rows = args.batch * (args.warmup + args.steps)
    y = None
    if name in ("AutoEncoder", "VQVAE", "DiscreteAutoEncoder", "DeepInfoMax"):
        x = rng.uniform(size=(rows,) + fashion_mnist.IMAGE_SHAPE).astype("float32")
        if name == "AutoEncoder":
            model = fashion_mnist.autoencoder()
        elif name == "VQVAE":
            model = fashion_mnist.vqvae()
        elif name == "DiscreteAutoEncoder":
            model = fashion_mnist.gumbel_autoencoder()
        else:
            model = fashion_mnist.deep_info_max(prior_weight=0.1, probe_classes=10)
            y = rng.integers(0, 10, rows).astype("int32")  # only the online probe sees them
    elif name == "CPC":
        samples = int(args.seconds * fsdd.SAMPLING_RATE)
        x = rng.normal(scale=0.1, size=(rows, samples)).astype("float32")
        y = (np.arange(rows) % SPEAKERS).astype("int32")
        model = fsdd.cpc(negatives="same_group")
    elif name in ("QuickThought", "SkipThought"):
        # Id 0 is padding: each "sentence" has 4 to `length` tokens.
        x = rng.integers(1, args.vocabulary, size=(rows, args.length)).astype("int32")
        lengths = rng.integers(min(4, args.length), args.length + 1, rows)
        x[np.arange(args.length)[None, :] >= lengths[:, None]] = 0
        encoder = gutenberg.quick_thought_encoder(args.vocabulary, sequence_length=args.length)
        if name == "QuickThought":
            # One encoder as both f and g, as in the quickthought_gutenberg preset.
            model = models.QuickThought(encoder, encoder, context_size=1)
        else:
            model = models.SkipThought(encoder, vocabulary_size=args.vocabulary,
                                       decoder_units=args.decoder_units,
                                       embedding_dim=args.decoder_units)
    else:
        raise ValueError(f"Unknown model {name!r}; expected one of {MODELS}")
    return model, x, y


def step_timer(warmup, steps, budget):
    """A callback timing the steps after the first `warmup` of one epoch.

    It stops `fit` after `steps` timed steps, or after the first that ends
    `budget` seconds or more into the timing (slow eager runs); `steps_done`
    is how many were timed.
    """
    import keras

    class StepTimer(keras.callbacks.Callback):
        start = end = None
        steps_done = 0

        def on_train_batch_end(self, batch, logs=None):
            if batch + 1 < warmup:
                return
            # Waits for the step's results (JAX dispatches asynchronously), as a
            # progress bar would.
            for value in (logs or {}).values():
                keras.ops.convert_to_numpy(value)
            now = time.perf_counter()
            if batch + 1 == warmup:
                self.start = now
                return
            self.end, self.steps_done = now, batch + 1 - warmup
            if self.steps_done >= steps or now - self.start >= budget:
                self.model.stop_training = True

    return StepTimer()


def examples_per_second(name, jit, args):
    import keras

    keras.utils.set_random_seed(0)
    model, x, y = build(name, args)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit)
    timer = step_timer(args.warmup, args.steps, args.max_seconds)
    # Unshuffled: QuickThought and SkipThought read batches as contiguous sentences.
    model.fit(x, y, batch_size=args.batch, epochs=1, shuffle=False, verbose=0,
              callbacks=[timer])
    if not timer.steps_done:
        raise RuntimeError(f"fit ran fewer than {args.warmup + 1} steps")
    return args.batch * timer.steps_done / (timer.end - timer.start)


def short_error(error):
    """The exception's type and first line, without Keras' "when calling" wrapper."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    lines = [line.strip() for line in text.splitlines() if line.strip()
             and not line.startswith("Exception encountered when calling")]
    text = f"{type(error).__name__}: {lines[0] if lines else ''}"
    return text if len(text) <= 90 else text[:87] + "..."


def worker(args):
    """Runs in the subprocess: one JSON line per (model, jit) on stdout."""
    import keras

    import keras_ae.zoo.fashion_mnist  # noqa: F401 - imported before the first timeout starts

    print(json.dumps({"ready": keras.backend.backend()}), flush=True)
    for name, jit in json.loads(args.worker):
        record = {"model": name, "backend": keras.backend.backend(), "jit": jit}
        start = time.perf_counter()
        try:
            record["examples_per_second"] = examples_per_second(name, jit, args)
        except Exception as error:  # noqa: BLE001 - any failure is a result to report
            record["failed"] = short_error(error)
        record["seconds"] = time.perf_counter() - start  # build and compile included
        print(json.dumps(record), flush=True)
        keras.backend.clear_session()


def _read_lines(stream, lines):
    for line in stream:
        lines.put(line)
    lines.put(None)


def _last_line(path):
    """The worker's last line on stderr, skipping the info logs of TF and XLA."""
    with open(path, errors="replace") as f:
        text = [line.strip() for line in f
                if line.strip() and not re.match(r"[IW]\d{4} |WARNING: All log messages", line)]
    return text[-1][:80] if text else "no error message"


def run_backend(backend, pending, args):
    """Results of `pending` (model, jit) pairs on `backend`, one subprocess at a time.

    A worker that hangs or dies loses only the pair it was on: a new worker
    takes the rest.
    """
    results = {}
    pending = [tuple(pair) for pair in pending]
    env = {**os.environ, "KERAS_BACKEND": backend}
    sizes = [f"--{size.replace('_', '-')}={getattr(args, size)}" for size in SIZES]
    while pending:
        with tempfile.NamedTemporaryFile("w+", suffix=".log") as log:
            process = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(pending)]
                + sizes, env=env, stdout=subprocess.PIPE, stderr=log, text=True,
                start_new_session=True)  # its own group, so torch.compile's helpers end with it
            lines = queue.Queue()
            threading.Thread(target=_read_lines, args=(process.stdout, lines),
                             daemon=True).start()
            while pending:
                try:
                    line = lines.get(timeout=args.timeout)
                except queue.Empty:
                    os.killpg(process.pid, signal.SIGKILL)
                    results[pending.pop(0)] = f"failed: timeout after {args.timeout:g} s"
                    break
                if line is None:
                    code = process.wait()
                    results[pending.pop(0)] = (
                        f"failed: worker exited with code {code}: {_last_line(log.name)}")
                    break
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # something a library printed
                if not isinstance(record, dict) or "model" not in record:
                    continue  # "ready": the first pair's timeout starts now
                key = (record["model"], record["jit"])
                results[key] = record.get("examples_per_second",
                                          f"failed: {record.get('failed')}")
                pending.remove(key)
                print(f"  {backend:10s} {key[0]:20s} jit={str(key[1]):5s} "
                      f"{_cell(results[key])}  ({record.get('seconds', 0):.0f} s)", flush=True)
            process.wait()
    return results


def _cell(result):
    return f"{result:11.1f}" if isinstance(result, float) else result


def print_table(models, backends, jits, results):
    print(f"\n{'model':20s} {'backend':10s} {'jit':5s} {'examples/s':>11s} "
          f"{'ratio to tensorflow/no-jit':>27s}")
    for name in models:
        base = results.get(("tensorflow", name, False))
        for backend in backends:
            for jit in jits:
                result = results[(backend, name, jit)]
                row = f"{name:20s} {backend:10s} {str(jit):5s} "
                if isinstance(result, float):
                    ratio = f"{result / base:27.2f}" if isinstance(base, float) else \
                        f"{'n/a':>27s}"
                    row += f"{result:11.1f} {ratio}"
                else:
                    row += result
                print(row)


def parse_list(text, valid, option):
    chosen = [item.strip() for item in text.split(",") if item.strip()]
    unknown = [item for item in chosen if item not in valid]
    if unknown or not chosen:
        raise SystemExit(f"{option} must be a comma-separated list of {', '.join(valid)}. "
                         f"Received: {text!r}")
    return chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes = parser.add_argument_group("sizes (default / with --quick)")
    for size, (default, quick, kind, what) in SIZES.items():
        sizes.add_argument(f"--{size.replace('_', '-')}", type=kind, default=None,
                           help=f"{what} ({default:g} / {quick:g})")
    parser.add_argument("--models", default=None,
                        help=f"comma-separated, from {','.join(MODELS)}, or all (default: all; "
                             f"with --quick, {','.join(QUICK_MODELS)})")
    parser.add_argument("--backends", default=",".join(BACKENDS),
                        help=f"comma-separated, from {','.join(BACKENDS)} (default: all)")
    parser.add_argument("--jit", default="off,on",
                        help="comma-separated jit_compile settings, off and on (default: both)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: small sizes, 1 warm-up and 2 timed steps")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    for size, (default, quick, _, _) in SIZES.items():
        if getattr(args, size) is None:
            setattr(args, size, quick if args.quick else default)
    if args.worker is not None:
        worker(args)
        return
    if args.warmup < 1 or args.steps < 1:
        raise SystemExit(f"--warmup and --steps must be >= 1. Received: --warmup={args.warmup} "
                         f"--steps={args.steps}")
    if args.models is None:
        args.models = ",".join(QUICK_MODELS if args.quick else MODELS)
    elif args.models == "all":
        args.models = ",".join(MODELS)
    models = parse_list(args.models, MODELS, "--models")
    backends = parse_list(args.backends, BACKENDS, "--backends")
    jits = [item == "on" for item in parse_list(args.jit, ("off", "on"), "--jit")]
    print(" ".join(f"{size}={getattr(args, size):g}" for size in SIZES), flush=True)
    start = time.perf_counter()
    results = {}
    for backend in backends:
        pairs = [(name, jit) for name in models for jit in jits]
        for (name, jit), result in run_backend(backend, pairs, args).items():
            results[(backend, name, jit)] = result
    print_table(models, backends, jits, results)
    print(f"\n{time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
