"""The keras-ae model zoo, installed as `keras_ae.zoo`.

Prebuilt architectures (concrete encoders, decoders and critics), the
preset folders with shipped weights and model cards, and the saved judges
that score the voice presets (`judges/`) live here. The folder
sits at the top of the repository and ships inside the wheel as package data;
nothing in `keras_ae` imports it, so the library stays usable without it.
"""

import os

PRESETS_DIR = os.path.join(os.path.dirname(__file__), "presets")
