"""What the Fashion-MNIST recipes share: arguments, training, evaluation, model cards.

Uses only keras-ae's public API. Each recipe trains one zoo model from
scratch with a fixed seed, measures it on the 10,000 test images, writes the
preset (weights, config, metadata with the metrics) and its model card, and
prints the metrics.
"""

import argparse
import json
import os
import shlex
import sys
import time

import keras
import numpy as np

import keras_ae
from keras_ae.data import fashion_mnist
from keras_ae.presets import builtin_presets_dir

IMAGE_SHAPE = (28, 28, 1)


def parse_args(name, epochs, description, learning_rate=2e-3, batch_size=128,
               data_help="folder of the Fashion-MNIST IDX files", extra_arguments=()):
    """The recipes' command-line arguments; `extra_arguments` holds more `(flags, keyword
    arguments)` pairs of `ArgumentParser.add_argument`."""
    parser = argparse.ArgumentParser(description=description)
    for flags, options in extra_arguments:
        parser.add_argument(*flags, **options)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--learning-rate", type=float, default=learning_rate)
    parser.add_argument("--train-size", type=int, default=None,
                        help="use only about N training examples (smoke runs)")
    parser.add_argument("--test-size", type=int, default=None,
                        help="evaluate on about N test examples (default: all)")
    parser.add_argument("--data", default=None,
                        help=f"{data_help} (default: $KERAS_AE_DATA or the usual places)")
    parser.add_argument("--output", default=os.path.join(builtin_presets_dir(), name),
                        help="preset folder to write (default: the zoo's)")
    parser.add_argument("--logdir", default=os.path.join("runs", name),
                        help="TensorBoard folder ('' for none)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for key in ("epochs", "batch_size", "train_size", "test_size"):
        value = getattr(args, key)
        if value is not None and value < 1:
            parser.error(f"--{key.replace('_', '-')} must be >= 1. Received: {key}={value}")
    args.name = name
    # Seeded before the recipe builds its model: a model built first (as the voice recipes
    # do) drew its initial weights unseeded, and two runs of one command trained apart.
    keras.utils.set_random_seed(args.seed)
    words = [os.path.relpath(sys.argv[0])] + sys.argv[1:]
    args.command = "python " + " ".join(shlex.quote(a) for a in words)
    return args


def run(name, epochs, description, build, measure):
    """A whole recipe: parse the arguments, train `build()` with a fixed seed,
    measure it on the test images, write the preset and print the metrics.

    `measure(model, x_test)` returns the metrics beside the test MSE.
    """
    args = parse_args(name, epochs=epochs, description=description)
    x_train, _ = fashion_mnist("train", path=args.data, limit=args.train_size)
    x_test, _ = fashion_mnist("test", path=args.data, limit=args.test_size)
    keras.utils.set_random_seed(args.seed)
    model = build()
    seconds = train(model, x_train, x_test, args)
    metrics = {"test_mse": reconstruction_mse(model, x_test), **measure(model, x_test)}
    return finish(model, args, metrics, seconds, description)


def train(model, x_train, x_test, args):
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    callbacks = []
    if args.logdir:
        # Loss parts, perplexity and usage as scalars; inputs beside their
        # reconstructions and (for VQ) a histogram of code use every epoch.
        callbacks.append(keras.callbacks.TensorBoard(args.logdir))
        callbacks.append(keras_ae.callbacks.ReconstructionImages(x_test[:16], args.logdir))
    start = time.time()
    model.fit(x_train, batch_size=args.batch_size, epochs=args.epochs, shuffle=True,
              validation_data=(x_test[:2000],), callbacks=callbacks,
              verbose=verbosity())
    return time.time() - start


def verbosity():
    """A progress bar in a terminal, a line an epoch in a log."""
    return 1 if sys.stdout.isatty() else 2


def reconstruction_mse(model, x):
    recon = model.predict(x, batch_size=500, verbose=0)
    return float(np.mean((recon - x) ** 2))


def baseline_metrics():
    """The test MSE of the other Fashion-MNIST presets, from their metadata."""
    found = {}
    for name, metadata in keras_ae.presets.list_presets().items():
        metrics = metadata.get("metrics", {})
        if name.endswith("fashion_mnist") and "test_mse" in metrics:
            found[name] = metrics["test_mse"]
    return found


def finish(model, args, metrics, train_seconds, description, notes=(), data=None,
           input_shape=IMAGE_SHAPE, evaluated_on="the Fashion-MNIST test images",
           extra_metadata=None):
    """Saves the preset and its model card, and prints the metrics.

    `notes` are paragraphs of Markdown for the card, after the metrics.
    `data` describes the training data (default: the Fashion-MNIST images
    used), `input_shape` is one input's shape without the batch axis (the
    preset is built by calling the model on zeros of that shape), and
    `evaluated_on` ends the card's "Metrics on ..." heading, and
    `extra_metadata` (a dict) adds keys to `metadata.json` (e.g. golden
    outputs for the tests).
    """
    metrics = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in metrics.items()}
    metadata = {
        "description": description,
        "data": data or ("Fashion-MNIST (Zalando Research, MIT): "
                         f"{args.train_size or 60000} training images, "
                         f"{args.test_size or 10000} test images, pixels in [0, 1]"),
        "recipe": args.command,
        "training": {"epochs": args.epochs, "batch_size": args.batch_size,
                     "learning_rate": args.learning_rate, "seed": args.seed,
                     "seconds": round(train_seconds, 1)},
        "metrics": metrics,
        "evaluated_on": evaluated_on,
    }
    if notes:
        metadata["notes"] = list(notes)
    metadata.update(extra_metadata or {})
    os.makedirs(args.output, exist_ok=True)
    model.save_to_preset(args.output, metadata=metadata, input_shape=input_shape)
    baselines = write_card(args.output, args.name)
    print()
    print(f"{args.name}: preset written to {args.output}")
    for k, v in metrics.items():
        print(f"  {k:28s} {v}")
    for k, v in sorted(baselines.items()):
        print(f"  {'test_mse of ' + k:28s} {v}   (from its preset)")
    print("METRICS " + json.dumps(metrics, sort_keys=True))
    return metrics


def write_card(folder, name):
    """Writes the model card README.md of the preset in `folder` from its
    metadata, beside the test MSE of the other Fashion-MNIST presets (from
    their metadata). Returns those baselines."""
    with open(os.path.join(folder, "metadata.json"), encoding="utf-8") as f:
        metadata = json.load(f)
    baselines = {}
    if "test_mse" in metadata["metrics"]:
        baselines = {k: v for k, v in baseline_metrics().items() if k != name}
    class_name = metadata["class_name"].split(">")[-1]
    minutes = metadata["training"]["seconds"] / 60
    card = [
        f"# {name}",
        "",
        metadata["description"],
        "",
        f"Made by `{metadata['recipe']}` ({minutes:.1f} minutes of training on 2 CPU cores); "
        f"{metadata['parameter_count']:,} parameters; keras-ae {metadata['keras_ae_version']}, "
        f"Keras {metadata['keras_version']}.",
        "",
        f"Data: {metadata['data']}.",
        "",
        f"## Metrics on {metadata.get('evaluated_on', 'the Fashion-MNIST test images')}",
        "",
        "| metric | value |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in metadata["metrics"].items()],
        "",
    ]
    for paragraph in metadata.get("notes", ()):
        card += [paragraph, ""]
    if baselines:
        rows = {**baselines, name: metadata["metrics"]["test_mse"]}
        card += [
            "## Beside the other Fashion-MNIST presets",
            "",
            "Test MSE from their own metadata, as their recipes printed it. "
            "`autoencoder_fashion_mnist` is the continuous upper reference with the "
            "same 7×7×64 latent grid; the binary, Gumbel and VQ presets all spend "
            "441 bits an image.",
            "",
            "| preset | test MSE |",
            "| --- | --- |",
            *[f"| {k} | {v} |" for k, v in sorted(rows.items())],
            "",
        ]
    card += [
        "## Use",
        "",
        "```python",
        "import keras_ae",
        f'model = keras_ae.models.{class_name}.from_preset("{name}")',
        "```",
        "",
    ]
    with open(os.path.join(folder, "README.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(card))
    return baselines
