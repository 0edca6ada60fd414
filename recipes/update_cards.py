"""Rewrites the model card of every shipped Fashion-MNIST preset from the metadata.

A card sets a preset's own metrics beside the other presets' test MSE; the
presets are made one after another, so the first ones made cannot show the
later ones. This rewrites every card from the metadata the recipes wrote
(no number is computed here).

    python recipes/update_cards.py
"""

import os

import common

import keras_ae


def main():
    for name in keras_ae.presets.list_presets():
        if name.endswith("fashion_mnist"):
            common.write_card(os.path.join(keras_ae.presets.builtin_presets_dir(), name), name)
            print(f"rewrote the card of {name}")


if __name__ == "__main__":
    main()
