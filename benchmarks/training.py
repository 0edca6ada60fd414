"""Training examples/s of every model on every Keras backend, with and without jit,
as a ratio to a supervised step of the same encoder.

Each model of `keras_ae.models`, built from the zoo's architectures, trains
on synthetic inputs of the shapes it is made for, so no data set is needed:

- `AutoEncoder`, `VQVAE` (512 codes, EMA, k-means start),
  `DiscreteAutoEncoder` (Gumbel-softmax, 512 categories a cell, τ annealed)
  and `DeepInfoMax` (local InfoNCE, prior matching, online probe fed with
  labels): `keras_ae.zoo.fashion_mnist`, random 28×28×1 images;
- `CPC` (`keras_ae.zoo.fsdd.cpc`, same-speaker negatives, speakers as `y`)
  and the voice converters of `keras_ae.zoo.voice_conversion`
  (`AdversarialVoiceConverter` alternating with 5 classifier steps,
  `AdaINVoiceConverter`, `VQVoiceConverter`; speakers as `y`): random 8 kHz
  waveforms of `--seconds`;
- `QuickThought` and `SkipThought` on token ids (no tokenizer, so every
  backend takes the input), both with the `keras_ae.zoo.gutenberg` encoder;
  random ids, padded after a random length.

The summarizer is left out: its step samples word sequences from a pointer
network, and it has no encoder whose supervised step would compare.

The baseline, measured in the same subprocess right after the model, is a
supervised step of the model's own encoder: a fresh copy of the networks
the model's representation comes from (the encoder; for CPC the encoder and
its GRU; for Deep InfoMax the encoder's `Y`; for a voice converter the
log-mel front end and the content encoder), the same input and batch, the
representation averaged over its grid or frames, then `Dense(10)` trained
by Keras' own `fit` with sparse categorical cross-entropy on random labels.
The ratio, model over baseline, is what the model's step costs beyond a
plain classifier of its encoder (a decoder, critics, negatives, several
players, metrics); 1.0 would be no more than the encoder's own step.

For each backend (tensorflow, jax, torch) and `jit_compile` False and True,
each model and its baseline are built with a fixed seed, compiled with
Adam, and trained by one `fit` each: `--warmup` untimed steps (tracing and
compilation), then up to `--steps` timed ones (fewer if they pass
`--max-seconds`, which keeps slow eager runs short), each waiting for its
results. The table gives each cell's examples/s, its baseline's, their
ratio, and the model's examples/s as a ratio to the same model on
TensorFlow without jit.

Keras fixes the backend per process, so each backend runs in a subprocess of
this script (`KERAS_BACKEND` set), one at a time: with parallel runs the
timings would mean nothing. A combination that fails, or takes longer than
`--timeout` (the model's and its baseline's building and compilation
included), is reported as `failed: <why>` and the run goes on. On two cores
torch.compile of the recurrent models (CPC's GRU, SkipThought's decoders)
can take longer than the default 240 s; raise `--timeout` to wait for it.

    python benchmarks/training.py [--batch 32] [--warmup 2] [--steps 10] [--seconds 0.5]
        [--models AutoEncoder,CPC] [--backends tensorflow,jax] [--jit off,on]
        [--timeout 240] [--quick]

`--quick` is a smoke run of the AutoEncoder alone (every backend, both jit
settings; small sizes, 1 warm-up and 2 timed steps): about two minutes on
two cores. `--quick --models all` smoke-tests every model. The numbers of a
smoke run mean nothing. A default run takes roughly 40-60 minutes on two
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
VOICE_CONVERTERS = ("AdversarialVoiceConverter", "AdaINVoiceConverter", "VQVoiceConverter")
MODELS = ("AutoEncoder", "VQVAE", "DiscreteAutoEncoder", "DeepInfoMax", "CPC", "QuickThought",
          "SkipThought") + VOICE_CONVERTERS
# One model keeps a smoke run near 2 minutes on two cores: torch.compile alone
# takes ~30 s a model. `--quick --models all` smoke-tests every model.
QUICK_MODELS = ("AutoEncoder",)
BACKENDS = ("tensorflow", "jax", "torch")
SPEAKERS = 6  # groups for CPC's same-speaker negatives; each batch holds several of each
CLASSES = 10  # of the supervised baseline's random labels
# name: (default, with --quick, type, help)
SIZES = {
    "batch": (32, 8, int, "examples a step"),
    "warmup": (2, 1, int, "untimed steps first (tracing and compilation)"),
    "steps": (10, 2, int, "timed steps after them, at most"),
    "max_seconds": (10, 5, float, "timing stops after a step ending this late (slow eager runs)"),
    "seconds": (0.5, 0.25, float, "the waveforms of CPC and the voice converters (0.5: the "
                                  "zoo's training crops)"),
    "vocabulary": (8000, 500, int, "the text models' token ids"),
    "length": (32, 16, int, "tokens a sentence"),
    "decoder_units": (256, 32, int, "SkipThought's decoder GRUs and word embeddings"),
    "timeout": (240, 120, float, "seconds a (model, backend, jit) and its baseline may take, "
                                 "build included"),
}


def build(name, args):
    """The model `name` and its synthetic `(x, y)`, with enough rows for every step."""
    from keras_ae import models
    from keras_ae.zoo import fashion_mnist
    from keras_ae.zoo import fsdd
    from keras_ae.zoo import gutenberg
    from keras_ae.zoo import voice_conversion

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
    elif name == "CPC" or name in VOICE_CONVERTERS:
        samples = int(args.seconds * fsdd.SAMPLING_RATE)
        x = rng.normal(scale=0.1, size=(rows, samples)).astype("float32")
        y = (np.arange(rows) % SPEAKERS).astype("int32")
        speakers = [f"speaker_{i}" for i in range(SPEAKERS)]
        if name == "CPC":
            model = fsdd.cpc(negatives="same_group")
        elif name == "AdversarialVoiceConverter":
            model = voice_conversion.adversarial_voice_converter(speakers)
        elif name == "AdaINVoiceConverter":
            model = voice_conversion.adain_voice_converter(speakers)
        else:
            model = voice_conversion.vq_voice_converter(speakers)
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


def representation(name, model, inputs):
    """What the encoder of the model `name` makes of `inputs` (symbolic)."""
    from keras import ops

    if name == "DeepInfoMax":
        return model.encoder(inputs)[1]  # Y, not the local feature map
    if name == "CPC":
        return model.autoregressive(model.encoder(inputs))  # the context c_t
    if name == "QuickThought":
        return model.f_encoder(inputs)  # also g: the two are one encoder here
    if name in VOICE_CONVERTERS:
        frames = model.log_mel(inputs)
        return model.content_encoder([frames, ops.ones_like(frames[..., 0])])
    return model.encoder(inputs)


def supervised_baseline(name, args):
    """The baseline of `name`: a fresh copy of its encoder with a classifier head.

    Returns the Functional model, its inputs (the model's own) and random
    labels in `range(CLASSES)`.
    """
    import keras
    from keras import ops

    model, x, _ = build(name, args)
    inputs = keras.Input(x.shape[1:], dtype=str(x.dtype))
    h = representation(name, model, inputs)
    if len(h.shape) > 2:  # a grid or a sequence of vectors: their mean
        h = ops.mean(h, axis=tuple(range(1, len(h.shape) - 1)))
    classifier = keras.Model(inputs, keras.layers.Dense(CLASSES)(h), name=f"{name}_supervised")
    labels = np.random.default_rng(1).integers(0, CLASSES, len(x)).astype("int32")
    return classifier, x, labels


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


def examples_per_second(model, x, y, jit, args, **compile_kwargs):
    """Trains the model by `fit` on `(x, y)`; the examples/s of its timed steps."""
    import keras

    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit, **compile_kwargs)
    timer = step_timer(args.warmup, args.steps, args.max_seconds)
    # Unshuffled: QuickThought and SkipThought read batches as contiguous sentences.
    model.fit(x, y, batch_size=args.batch, epochs=1, shuffle=False, verbose=0,
              callbacks=[timer])
    if not timer.steps_done:
        raise RuntimeError(f"fit ran fewer than {args.warmup + 1} steps")
    return args.batch * timer.steps_done / (timer.end - timer.start)


def model_and_baseline(name, jit, args):
    """Examples/s of the model `name` and of its supervised baseline."""
    import keras

    keras.utils.set_random_seed(0)
    model, x, y = build(name, args)
    speed = examples_per_second(model, x, y, jit, args)
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    classifier, x, labels = supervised_baseline(name, args)
    baseline = examples_per_second(
        classifier, x, labels, jit, args,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return speed, baseline


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
            record["examples_per_second"], record["baseline"] = model_and_baseline(
                name, jit, args)
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
                results[key] = ((record["examples_per_second"], record["baseline"])
                                if "failed" not in record else f"failed: {record['failed']}")
                pending.remove(key)
                print(f"  {backend:10s} {key[0]:26s} jit={str(key[1]):5s} "
                      f"{_cell(results[key])}  ({record.get('seconds', 0):.0f} s)", flush=True)
            process.wait()
    return results


def _cell(result):
    if isinstance(result, str):
        return result
    speed, baseline = result
    return f"{speed:11.1f} {baseline:13.1f} {speed / baseline:6.2f}"


def print_table(models, backends, jits, results):
    print(f"\n{'model':26s} {'backend':10s} {'jit':5s} {'examples/s':>11s} "
          f"{'supervised/s':>13s} {'ratio':>6s} {'vs tensorflow/no-jit':>21s}")
    for name in models:
        base = results.get(("tensorflow", name, False))
        for backend in backends:
            for jit in jits:
                result = results[(backend, name, jit)]
                row = f"{name:26s} {backend:10s} {str(jit):5s} {_cell(result)}"
                if not isinstance(result, str):
                    row += (f" {result[0] / base[0]:21.2f}" if isinstance(base, tuple)
                            else f" {'n/a':>21s}")
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
