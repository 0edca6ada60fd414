"""The `keras-ae` command (also `python -m keras_ae`)."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="keras-ae", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train a small VQ auto-encoder on Fashion-MNIST and "
                          "print what it learned")
    demo.add_argument("--data", default=None, help="folder of the Fashion-MNIST IDX files "
                      "(default: $KERAS_AE_DATA/fashion-mnist and the usual places)")
    demo.add_argument("--epochs", type=int, default=3)
    demo.add_argument("--train-size", type=int, default=20000)
    demo.add_argument("--logdir", default="runs/demo",
                      help="TensorBoard log folder ('' for none; default: runs/demo)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from keras_ae import demo as demo_module

        if args.epochs < 1 or args.train_size < 1:
            parser.error(f"--epochs and --train-size must be >= 1. Received: "
                         f"epochs={args.epochs}, train_size={args.train_size}")
        try:
            demo_module.run(data_path=args.data, epochs=args.epochs,
                            train_size=args.train_size, logdir=args.logdir or None)
        except FileNotFoundError as error:
            print(f"keras-ae demo: {error}", file=sys.stderr)
            return 1
    return 0
