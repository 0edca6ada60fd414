"""Presets: a model's architecture, weights and model card, in one folder.

A preset is a folder, as in keras-hub, holding:

- `config.json`: the model's architecture, the output of
  `keras.saving.serialize_keras_object(model)` without its `compile_config`
  and `build_config` (a preset is returned uncompiled, and is built from
  `input_shape` below).
- `model.weights.h5`: the weights, from `model.save_weights`.
- `metadata.json`: `class_name` (the registered name of the model's class),
  `keras_ae_version`, `keras_version`, `parameter_count`, `input_shape` (one
  input's shape without the batch axis, to build the model before its
  weights load), `weights_sha256` (checked before the weights load),
  `created` (UTC), and the keys the saver added: the data, the command that
  made the weights, the metrics measured on them.
- `README.md`, optionally: the model card, written by the recipe.

`load_preset` takes the name of a built-in preset (a folder under
`builtin_presets_dir()`, shipped in the wheel with `keras_ae.zoo`) or the path
of a local folder. Models that inherit `PresetMixin` gain `from_preset()`,
which also checks that the preset holds that class, and `save_to_preset()`.

This module imports neither `keras_ae.models` nor `keras_ae.zoo` when it is
imported: the models import it, and the zoo is looked up only when a built-in
preset is asked for.
"""

import datetime
import hashlib
import json
import os

import keras
import numpy as np

from keras_ae._checks import check_bool

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"
README_FILE = "README.md"
_PRESET_FILES = (CONFIG_FILE, WEIGHTS_FILE, METADATA_FILE, README_FILE)
# Keys of metadata.json written by `save_to_preset`; the caller's may not
# replace them.
RESERVED_METADATA_KEYS = (
    "class_name",
    "created",
    "input_shape",
    "keras_ae_version",
    "keras_version",
    "parameter_count",
    "weights_sha256",
)


def builtin_presets_dir():
    """The folder that holds the built-in presets, one subfolder each.

    Returns:
        The path `keras_ae.zoo.PRESETS_DIR`. The zoo is imported here, not
        when `keras_ae.presets` is, because the zoo imports the models and the
        models import this module.
    """
    import keras_ae.zoo

    return keras_ae.zoo.PRESETS_DIR


def list_presets():
    """The built-in presets and their metadata.

    Returns:
        A dict, sorted by name, from each built-in preset's name to its parsed
        `metadata.json` (metrics, data, recipe, `parameter_count`, ...).

    Example:

    >>> import keras_ae.presets
    >>> for name, metadata in keras_ae.presets.list_presets().items():
    ...     print(name, metadata.get("metrics"))  # doctest: +SKIP
    """
    return {
        name: _read_metadata(os.path.join(builtin_presets_dir(), name))
        for name in _builtin_names()
    }


def save_to_preset(model, path, input_shape, metadata=None):
    """Writes a built model to a preset folder.

    Writes `model.weights.h5`, `config.json` and, last, `metadata.json`
    (see the module docstring). Creates the folder if needed. An existing
    preset folder is overwritten (its `README.md` is left as it is); a
    non-empty folder that is not a preset is refused.

    Args:
        model: a built `keras.Model` whose class is registered for
            serialization (a Functional model needs no registration).
        path: the folder to write.
        input_shape: tuple of ints, the shape of one input without the batch
            axis, e.g. `(28, 28, 1)`. `load_preset` builds the model by calling
            it on zeros of this shape before it loads the weights. None for a
            model that is built with all its weights as soon as it is
            constructed from its config (e.g. `QuickThought`, whose inputs are
            strings): then nothing is called, and a model that does not build
            itself is refused.
        metadata: optional dict of JSON-serializable values to add to
            `metadata.json`, such as the data, the recipe command and the
            metrics. It may not set the keys in `RESERVED_METADATA_KEYS`.

    Returns:
        The path of the preset folder.

    Example:

    >>> import keras, tempfile, os, keras_ae.presets
    >>> inputs = keras.Input((4,))
    >>> model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny")
    >>> _ = keras_ae.presets.save_to_preset(
    ...     model, path, input_shape=(4,), metadata={"metrics": {"mse": 0.1}})
    >>> sorted(os.listdir(path))
    ['config.json', 'metadata.json', 'model.weights.h5']
    """
    if not isinstance(model, keras.Model):
        raise ValueError(
            "`model` must be a keras.Model. "
            f"Received: model of type {type(model).__name__}"
        )
    if not model.built:
        raise ValueError(
            f"save_to_preset() needs a built model, so that its weights exist. Call "
            f"the model on a batch of data (or build it) first. Received: the unbuilt "
            f"model '{model.name}' of class {type(model).__name__}."
        )
    input_shape = None if input_shape is None else _check_input_shape(input_shape)
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict):
        raise ValueError(
            f"`metadata` must be a dict or None. Received: metadata={metadata!r}"
        )
    clash = sorted(set(metadata) & set(RESERVED_METADATA_KEYS))
    if clash:
        raise ValueError(
            f"`metadata` may not set the keys {clash}: save_to_preset() writes them. "
            f"Reserved keys: {list(RESERVED_METADATA_KEYS)}. "
            f"Received: metadata keys {sorted(metadata, key=str)}"
        )
    try:
        _to_json(metadata)
    except TypeError as e:
        raise ValueError(
            f"`metadata` must hold JSON-serializable values ({e}). "
            f"Received: metadata={metadata!r}"
        ) from e
    path = os.fspath(path)
    _check_writable(path)
    config = keras.saving.serialize_keras_object(model)
    # As in keras-hub: a preset is returned uncompiled and built from
    # `input_shape`, so these would only be stale (or unserializable) state.
    config = {
        k: v for k, v in config.items() if k not in ("compile_config", "build_config")
    }
    config_text = _to_json(config)
    # Keras' deserialization consumes nested configs: each copy starts from the text.
    if input_shape is None and not _builds_itself(model, json.loads(config_text)):
        raise ValueError(
            f"`input_shape` is None, but {type(model).__name__} '{model.name}' does not "
            "create all its weights when constructed from its config: pass `input_shape`, "
            "the shape of one input without the batch axis, e.g. input_shape=(28, 28, 1)."
        )

    from keras_ae.version import __version__

    os.makedirs(path, exist_ok=True)
    weights_path = os.path.join(path, WEIGHTS_FILE)
    _weights_only_copy(model, json.loads(config_text), input_shape).save_weights(weights_path)
    _write_text(os.path.join(path, CONFIG_FILE), config_text)
    created = datetime.datetime.now(datetime.UTC)
    written = {
        **metadata,
        "class_name": keras.saving.get_registered_name(type(model)),
        "created": created.isoformat(timespec="seconds"),
        "input_shape": None if input_shape is None else list(input_shape),
        "keras_ae_version": __version__,
        "keras_version": keras.__version__,
        "parameter_count": int(model.count_params()),
        "weights_sha256": _sha256(weights_path),
    }
    # Written last: a folder whose metadata.json is missing was not finished.
    _write_text(os.path.join(path, METADATA_FILE), _to_json(written))
    return path


def load_preset(name_or_path, cls=None, load_weights=True):
    """Loads a model from a built-in preset or a local preset folder.

    `name_or_path` is first taken as a folder, if one exists at that path,
    then as the name of a built-in preset. The model is rebuilt from
    `config.json` (registered classes need no `custom_objects`) and built by
    calling it on zeros of the preset's `input_shape`. With `load_weights`,
    the SHA-256 of `model.weights.h5` is checked against `metadata.json`
    before the weights load.

    Args:
        name_or_path: str or path, a built-in preset's name (see
            `list_presets()`) or a preset folder.
        cls: optional class. When given, the preset must hold an instance of
            it (or of a subclass).
        load_weights: bool. False returns the architecture with freshly
            initialised weights.

    Returns:
        The built, uncompiled model.

    Example:

    >>> import keras, numpy as np, tempfile, os, keras_ae.presets
    >>> inputs = keras.Input((4,))
    >>> model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    >>> path = keras_ae.presets.save_to_preset(
    ...     model, os.path.join(tempfile.mkdtemp(), "tiny"), input_shape=(4,))
    >>> loaded = keras_ae.presets.load_preset(path)
    >>> x = np.ones((3, 4), "float32")
    >>> bool(np.allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0)))
    True
    """
    load_weights = check_bool("load_weights", load_weights)
    folder = _resolve(name_or_path)
    label = os.fspath(name_or_path)
    needed = (CONFIG_FILE, METADATA_FILE) + ((WEIGHTS_FILE,) if load_weights else ())
    missing = [f for f in needed if not os.path.isfile(os.path.join(folder, f))]
    if missing:
        raise ValueError(
            f"The folder {folder} is not a keras-ae preset: it lacks {missing}. "
            f"A preset holds {CONFIG_FILE}, {WEIGHTS_FILE} and {METADATA_FILE}, "
            "as written by save_to_preset()."
        )
    metadata = _read_metadata(folder)
    input_shape = _metadata_value(metadata, "input_shape", folder)
    class_name = _metadata_value(metadata, "class_name", folder)
    if cls is not None:
        # Cheap check first, so a preset of another class is never built.
        found = keras.saving.get_registered_object(class_name)
        if isinstance(found, type) and not issubclass(found, cls):
            raise _class_mismatch(label, class_name, cls)
    weights_path = os.path.join(folder, WEIGHTS_FILE)
    if load_weights:
        expected = _metadata_value(metadata, "weights_sha256", folder)
        actual = _sha256(weights_path)
        if actual != expected:
            raise ValueError(
                f"The weights file {weights_path} is corrupted or changed: its "
                f"SHA-256 is {actual}, but {METADATA_FILE} records {expected}. "
                "Restore the file, or save the preset again."
            )
    with open(os.path.join(folder, CONFIG_FILE), encoding="utf-8") as f:
        config = json.load(f)
    model = keras.saving.deserialize_keras_object(config)
    if cls is not None and not isinstance(model, cls):
        raise _class_mismatch(label, class_name, cls)
    if input_shape is not None:  # None: the model built itself from its config
        model(np.zeros((1, *input_shape), "float32"), training=False)
    if load_weights:
        model.load_weights(weights_path)
    return model


class PresetMixin:
    """Gives a `keras.Model` subclass `from_preset()` and `save_to_preset()`.

    Put it before `keras.Model` in the bases of a registered model class.
    Presets are described in `keras_ae.presets`.

    Example:

    >>> import keras, numpy as np, tempfile, os, keras_ae.models
    >>> encoder = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2)])
    >>> decoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8)])
    >>> model = keras_ae.models.AutoEncoder(encoder, decoder)
    >>> x = np.ones((1, 8), "float32")
    >>> _ = model(x)
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny")
    >>> _ = model.save_to_preset(path, input_shape=(8,))
    >>> loaded = keras_ae.models.AutoEncoder.from_preset(path)
    >>> bool(np.allclose(loaded(x), model(x)))
    True
    """

    @classmethod
    def from_preset(cls, name_or_path, load_weights=True):
        """Loads an instance of this class from a preset.

        Args:
            name_or_path: str or path, a built-in preset's name (see
                `keras_ae.presets.list_presets()`) or a preset folder.
            load_weights: bool. False returns the architecture with freshly
                initialised weights.

        Returns:
            The built, uncompiled model. An error is raised if the preset
            holds another class.

        Example:

        >>> import keras_ae.models
        >>> model = keras_ae.models.VQVAE.from_preset(
        ...     "vqvae_fashion_mnist")  # doctest: +SKIP
        """
        return load_preset(name_or_path, cls=cls, load_weights=load_weights)

    def save_to_preset(self, path, metadata=None, input_shape=None):
        """Writes this built model to a preset folder.

        Args:
            path: the folder to write (see `keras_ae.presets.save_to_preset`).
            metadata: optional dict of JSON-serializable values to add to
                `metadata.json` (data, recipe command, metrics).
            input_shape: tuple of ints, one input's shape without the batch
                axis. Defaults to the model's `input_shape` when it has one
                (Functional models), and to None (nothing to call) for models
                whose class sets `builds_itself = True` (they create all their
                weights when constructed); other subclassed models must pass it.

        Returns:
            The path of the preset folder.

        Example:

        >>> model.save_to_preset(
        ...     "my_preset", metadata={"metrics": {"test_mse": 0.01}},
        ...     input_shape=(28, 28, 1))  # doctest: +SKIP
        """
        if input_shape is None:
            if getattr(self, "builds_itself", False):
                return save_to_preset(self, path, input_shape=None, metadata=metadata)
            try:
                input_shape = self.input_shape
            except (AttributeError, ValueError):
                input_shape = None
            if not isinstance(input_shape, tuple) or not all(
                isinstance(d, int) for d in input_shape[1:]
            ):
                raise ValueError(
                    f"save_to_preset() cannot tell the input shape of "
                    f"{type(self).__name__} '{self.name}'; pass `input_shape`, the "
                    "shape of one input without the batch axis, e.g. "
                    "input_shape=(28, 28, 1)."
                )
            input_shape = input_shape[1:]
        return save_to_preset(self, path, input_shape=input_shape, metadata=metadata)


def _weights_only_copy(model, config, input_shape):
    """An uncompiled copy of `model` with its weights, or `model` itself.

    A compiled model's weights file also holds its optimizer's state
    (Adam's moments triple its size), which a preset must not ship.
    """
    if getattr(model, "optimizer", None) is None:
        return model
    copy = keras.saving.deserialize_keras_object(config)
    if input_shape is not None:
        copy(np.zeros((1, *input_shape), "float32"), training=False)
    copy.set_weights(model.get_weights())
    return copy


def _builds_itself(model, config):
    """Whether a model made from `config` has all of `model`'s weights at once."""
    copy = keras.saving.deserialize_keras_object(config)
    return copy.built and [tuple(w.shape) for w in copy.weights] == [
        tuple(w.shape) for w in model.weights]


def _builtin_names():
    root = builtin_presets_dir()
    if not os.path.isdir(root):
        return []
    return sorted(
        name
        for name in os.listdir(root)
        if os.path.isfile(os.path.join(root, name, CONFIG_FILE))
    )


def _resolve(name_or_path):
    try:
        text = os.fspath(name_or_path)
    except TypeError:
        raise ValueError(
            "`name_or_path` must be a preset name or a folder path. "
            f"Received: name_or_path={name_or_path!r}"
        ) from None
    if os.path.isdir(text):
        return text
    names = _builtin_names()
    if text in names:
        return os.path.join(builtin_presets_dir(), text)
    raise ValueError(
        f"Unknown preset '{text}'. Known presets: {names}. A local preset must be "
        "given as the path of an existing folder."
    )


def _check_writable(path):
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"The preset path {path} exists and is not a folder.")
    if not os.path.isdir(path):
        return
    entries = set(os.listdir(path))
    is_preset = {CONFIG_FILE, METADATA_FILE} <= entries
    # A folder of preset files only is an unfinished preset: it may be redone.
    if not is_preset and not entries <= set(_PRESET_FILES):
        raise ValueError(
            f"Refusing to write a preset into {path}: the folder is not empty and "
            f"not a preset (it holds {sorted(entries)[:10]}, but not both "
            f"{CONFIG_FILE} and {METADATA_FILE}). Choose a new or empty folder."
        )


def _check_input_shape(input_shape):
    ok = isinstance(input_shape, (tuple, list)) and len(input_shape) > 0
    ok = ok and all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 1
        for d in input_shape
    )
    if not ok:
        raise ValueError(
            "`input_shape` must be a non-empty tuple of positive ints, the shape of "
            "one input without the batch axis, e.g. (28, 28, 1). "
            f"Received: input_shape={input_shape!r}"
        )
    return tuple(int(d) for d in input_shape)


def _read_metadata(folder):
    path = os.path.join(folder, METADATA_FILE)
    if not os.path.isfile(path):
        raise ValueError(
            f"The folder {folder} is not a keras-ae preset: it lacks {[METADATA_FILE]}."
        )
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _metadata_value(metadata, key, folder):
    if key not in metadata:
        raise ValueError(
            f"The preset {folder} has no `{key}` in its {METADATA_FILE}; save it again "
            "with save_to_preset()."
        )
    return metadata[key]


def _class_mismatch(label, class_name, cls):
    short = class_name.split(">")[-1]
    if class_name.startswith("keras_ae>"):
        hint = f"keras_ae.models.{short}.from_preset('{label}')"
    else:
        hint = f"keras_ae.presets.load_preset('{label}')"
    return ValueError(
        f"Preset '{label}' holds a {short} (registered as '{class_name}'), not a "
        f"{cls.__name__}; load it with {hint}."
    )


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _json_default(value):
    # Metrics computed with numpy arrive as numpy scalars.
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _to_json(value):
    return json.dumps(value, indent=2, sort_keys=True, default=_json_default) + "\n"


def _write_text(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
