"""The `keras-ae` command (also `python -m keras_ae`)."""

import argparse
import os
import runpy
import sys

import numpy as np

RECIPES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "recipes")


def _recipes():
    if not os.path.isdir(RECIPES_DIR):
        return []
    return sorted(f[:-3] for f in os.listdir(RECIPES_DIR)
                  if f.endswith(".py") and f[:-3] not in _NOT_RECIPES and not f.startswith("_"))


# Files of recipes/ that make no preset: shared modules and tools around the presets.
_NOT_RECIPES = ("common", "update_cards", "voice_common", "summarizer_common", "vq_vc_diagnose",
                "judges_fsdd_flite", "voice_rescore", "voice_judge_seeds")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="keras-ae", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="reconstruct Fashion-MNIST with the shipped VQ-VAE "
                          "preset (or, with --train, train a small one and print what it "
                          "learned)")
    demo.add_argument("--train", action="store_true",
                      help="train a small VQ auto-encoder from keras-ae layers instead")
    demo.add_argument("--output", default="demo_output/vqvae_fashion_mnist.png",
                      help="PNG grid of inputs and reconstructions ('' for none)")
    demo.add_argument("--data", default=None, help="folder of the Fashion-MNIST IDX files "
                      "(default: $KERAS_AE_DATA/fashion-mnist and the usual places)")
    demo.add_argument("--epochs", type=int, default=3, help="with --train")
    demo.add_argument("--train-size", type=int, default=20000, help="with --train")
    demo.add_argument("--logdir", default="runs/demo",
                      help="with --train: TensorBoard log folder ('' for none)")
    sub.add_parser("list", help="the shipped presets and their metrics")
    convert = sub.add_parser("convert", help="voice conversion with a converter preset: say "
                             "--source again in the voice of --target")
    convert.add_argument("preset", help="a voice-converter preset (e.g. adain_vc_fsdd_flite) "
                         "or a preset folder")
    convert.add_argument("--source", required=True, help="mono WAV file to convert")
    convert.add_argument("--target", required=True, help="a speaker the preset knows (see "
                         "the preset's card), or, for AdaIN presets, a mono WAV file of any voice")
    convert.add_argument("--output", required=True, help="WAV file to write")
    summarize = sub.add_parser("summarize", help="summarize text files with a summarizer "
                               "preset: one summary line per file")
    summarize.add_argument("preset", help="a summarizer preset (e.g. summarizer_debian) or a "
                           "preset folder")
    summarize.add_argument("files", nargs="+", help="UTF-8 text files, one document each "
                           "('-' reads one document from standard input)")
    summarize.add_argument("--max-length", type=int, default=None,
                           help="the most words of a summary (default: the preset's)")
    summarize.add_argument("--beam-width", type=int, default=1,
                           help="1 (the default) decodes greedily; more runs a beam search "
                           "keeping that many candidates")
    train = sub.add_parser("train", help="run a recipe: train a preset from scratch "
                           "(options after the name go to the recipe; try RECIPE --help)")
    train.add_argument("recipe", help=f"one of {_recipes()}")
    train.add_argument("recipe_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    if args.command == "demo":
        from keras_ae import demo as demo_module

        if args.epochs < 1 or args.train_size < 1:
            parser.error(f"--epochs and --train-size must be >= 1. Received: "
                         f"epochs={args.epochs}, train_size={args.train_size}")
        try:
            if args.train:
                demo_module.run(data_path=args.data, epochs=args.epochs,
                                train_size=args.train_size, logdir=args.logdir or None)
            else:
                demo_module.run_preset(data_path=args.data, output=args.output)
        except FileNotFoundError as error:
            print(f"keras-ae demo: {error}", file=sys.stderr)
            return 1
    elif args.command == "list":
        from keras_ae.presets import list_presets

        presets = list_presets()
        if not presets:
            print("No presets are installed.")
        for name, metadata in presets.items():
            metrics = ", ".join(f"{k}={v}" for k, v in metadata.get("metrics", {}).items())
            print(f"{name}  ({metadata.get('class_name', '?').split('>')[-1]}, "
                  f"{metadata.get('parameter_count', '?')} parameters)\n    {metrics}")
    elif args.command == "convert":
        try:
            _convert(args.preset, args.source, args.target, args.output)
        except (ValueError, FileNotFoundError) as error:
            print(f"keras-ae convert: {error}", file=sys.stderr)
            return 1
    elif args.command == "summarize":
        try:
            _summarize(args.preset, args.files, args.max_length, args.beam_width)
        except (ValueError, FileNotFoundError, UnicodeDecodeError) as error:
            print(f"keras-ae summarize: {error}", file=sys.stderr)
            return 1
    elif args.command == "train":
        recipes = _recipes()
        if not recipes:
            print(f"keras-ae train: no recipes found in {RECIPES_DIR}; recipes ship with "
                  "the source repository, not the wheel.", file=sys.stderr)
            return 1
        if args.recipe not in recipes:
            parser.error(f"unknown recipe {args.recipe!r}. Known recipes: {recipes}")
        sys.argv = [os.path.join(RECIPES_DIR, args.recipe + ".py"), *args.recipe_args]
        sys.path.insert(0, RECIPES_DIR)
        runpy.run_path(sys.argv[0], run_name="__main__")
    return 0


def _convert(preset, source, target, output):
    from keras_ae.data import read_wav
    from keras_ae.data import resample
    from keras_ae.data import write_wav
    from keras_ae.models import VoiceConverter
    from keras_ae.presets import load_preset

    model = load_preset(preset)
    if not isinstance(model, VoiceConverter):
        raise ValueError(f"{preset!r} is a {type(model).__name__}, not a voice converter.")

    def read(path):
        samples, rate = read_wav(path)
        if rate != model.sampling_rate:
            samples = resample(samples, rate, model.sampling_rate)
        return samples

    clip = read(source)
    if os.path.isfile(target) or target.lower().endswith(".wav"):
        target = read(target)
    converted = model.convert([clip], target)[0]
    write_wav(output, np.clip(converted, -1.0, 1.0), model.sampling_rate)
    print(f"Wrote {output} ({len(converted) / model.sampling_rate:.2f} s at "
          f"{model.sampling_rate} Hz).")


def _summarize(preset, files, max_length, beam_width=1):
    from keras_ae.models import Seq2Seq2SeqSummarizer
    from keras_ae.presets import load_preset

    model = load_preset(preset)
    if not isinstance(model, Seq2Seq2SeqSummarizer):
        raise ValueError(f"{preset!r} is a {type(model).__name__}, not a summarizer.")
    documents = []
    for path in files:
        if path == "-":
            documents.append(sys.stdin.read())
        else:
            with open(path, encoding="utf-8") as f:
                documents.append(f.read())
    for path, summary in zip(files, model.summarize(documents, max_length=max_length,
                                                          beam_width=beam_width)):
        print(summary if len(files) == 1 else f"{path}\t{summary}")
