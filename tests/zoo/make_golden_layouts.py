"""Writes tests/zoo/golden/<preset>.json from the shipped weights files.

Run only when a layout change is intended (a new preset, or a deliberate
architecture change that ships new weights):

    python tests/zoo/make_golden_layouts.py
"""

import json
import os

import h5py

import keras_ae

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")


def weights_layout(path):
    """[(dataset path, shape)] of a .weights.h5 file, sorted."""
    layout = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: layout.append([name, list(obj.shape)])
                     if isinstance(obj, h5py.Dataset) else None)
    return sorted(layout)


if __name__ == "__main__":
    os.makedirs(GOLDEN, exist_ok=True)
    for name in keras_ae.presets.list_presets():
        path = os.path.join(keras_ae.presets.builtin_presets_dir(), name, "model.weights.h5")
        rows = [json.dumps(entry) for entry in weights_layout(path)]
        with open(os.path.join(GOLDEN, f"{name}.json"), "w") as f:
            f.write("[\n" + ",\n".join(rows) + "\n]\n")
        print(f"wrote golden/{name}.json")
