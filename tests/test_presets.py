import json
import os

import keras
import numpy as np
import pytest

from keras_ae import presets
from keras_ae.presets import PresetMixin


@keras.saving.register_keras_serializable(package="keras_ae_tests")
class TinyAutoEncoder(PresetMixin, keras.Model):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.encoder = keras.layers.Dense(units, activation="tanh", name="encoder")
        self.decoder = keras.layers.Dense(5, name="decoder")

    def call(self, inputs, training=False):
        return self.decoder(self.encoder(inputs))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="keras_ae_tests")
class TinyWideAutoEncoder(TinyAutoEncoder):
    """A subclass: its presets load through TinyAutoEncoder.from_preset."""


@keras.saving.register_keras_serializable(package="keras_ae_tests")
class TinyClassifier(PresetMixin, keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(2)

    def call(self, inputs):
        return self.dense(inputs)


X = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
USER_METADATA = {
    "data": "random normals",
    "recipe": "python make.py",
    "metrics": {"mse": 0.5},
}


def built(model):
    model(X)
    return model


def saved(tmp_path, model=None, name="tiny"):
    model = model or built(TinyAutoEncoder(units=3))
    path = str(tmp_path / name)
    model.save_to_preset(path, metadata=USER_METADATA, input_shape=(5,))
    return model, path


def test_round_trip(tmp_path):
    model, path = saved(tmp_path)
    files = ["config.json", "metadata.json", "model.weights.h5"]
    assert sorted(os.listdir(path)) == files
    with open(os.path.join(path, "metadata.json")) as f:
        metadata = json.load(f)
    assert set(presets.RESERVED_METADATA_KEYS) <= set(metadata)
    assert {k: metadata[k] for k in USER_METADATA} == USER_METADATA
    assert metadata["class_name"] == "keras_ae_tests>TinyAutoEncoder"
    assert metadata["input_shape"] == [5]
    assert metadata["parameter_count"] == model.count_params()
    assert metadata["keras_version"] == keras.__version__

    loaded = TinyAutoEncoder.from_preset(path)
    assert type(loaded) is TinyAutoEncoder and loaded.units == 3
    np.testing.assert_allclose(loaded(X), model(X), rtol=1e-6, atol=1e-6)
    # The generic loader and the base class accept it too.
    loaded = presets.load_preset(path)
    np.testing.assert_allclose(loaded(X), model(X), rtol=1e-6, atol=1e-6)
    assert isinstance(presets.load_preset(path, cls=keras.Model), TinyAutoEncoder)


def test_subclass_preset_loads_through_base_class(tmp_path):
    model, path = saved(tmp_path, built(TinyWideAutoEncoder()))
    loaded = TinyAutoEncoder.from_preset(path)
    assert type(loaded) is TinyWideAutoEncoder
    np.testing.assert_allclose(loaded(X), model(X), rtol=1e-6, atol=1e-6)


def test_overwrite_existing_preset(tmp_path):
    _, path = saved(tmp_path)
    with open(os.path.join(path, "README.md"), "w") as f:
        f.write("# card")
    model, _ = saved(tmp_path, built(TinyAutoEncoder(units=2)))
    loaded = TinyAutoEncoder.from_preset(path)
    assert loaded.units == 2
    np.testing.assert_allclose(loaded(X), model(X), rtol=1e-6, atol=1e-6)


def test_without_weights_is_freshly_initialised(tmp_path):
    model, path = saved(tmp_path)
    os.remove(os.path.join(path, "model.weights.h5"))
    loaded = TinyAutoEncoder.from_preset(path, load_weights=False)
    assert loaded.built and loaded.units == 3
    fresh = keras.ops.convert_to_numpy(loaded(X))
    assert not np.allclose(fresh, keras.ops.convert_to_numpy(model(X)))


def test_functional_model_round_trip(tmp_path):
    inputs = keras.Input((5,))
    outputs = keras.layers.Dense(2)(keras.layers.Dense(4, activation="relu")(inputs))
    model = keras.Model(inputs, outputs)
    path = str(tmp_path / "functional")
    presets.save_to_preset(model, path, input_shape=(5,))
    loaded = presets.load_preset(path)
    np.testing.assert_allclose(loaded(X), model(X), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="holds a Functional.*not a TinyAutoEncoder"):
        TinyAutoEncoder.from_preset(path)


def test_builtin_presets_are_listed_and_resolved(tmp_path, monkeypatch):
    root = tmp_path / "zoo"
    model, _ = saved(root, name="tiny_builtin")
    os.makedirs(root / "not_a_preset")
    monkeypatch.setattr(presets, "builtin_presets_dir", lambda: str(root))
    listed = presets.list_presets()
    assert list(listed) == ["tiny_builtin"]
    assert listed["tiny_builtin"]["metrics"] == USER_METADATA["metrics"]
    monkeypatch.chdir(tmp_path)  # no folder named tiny_builtin here
    loaded = TinyAutoEncoder.from_preset("tiny_builtin")
    np.testing.assert_allclose(loaded(X), model(X), rtol=1e-6, atol=1e-6)
    known = r"Unknown preset 'nope'. Known presets: \['tiny_builtin'\]"
    with pytest.raises(ValueError, match=known):
        presets.load_preset("nope")


def test_builtin_presets_dir_is_the_zoo():
    import keras_ae.zoo

    assert presets.builtin_presets_dir() == keras_ae.zoo.PRESETS_DIR
    assert isinstance(presets.list_presets(), dict)


def test_folder_missing_files(tmp_path):
    _, path = saved(tmp_path)
    os.remove(os.path.join(path, "metadata.json"))
    os.remove(os.path.join(path, "config.json"))
    missing = r"is not a keras-ae preset.*config\.json.*metadata\.json"
    with pytest.raises(ValueError, match=missing):
        presets.load_preset(path)


def test_class_mismatch(tmp_path):
    _, path = saved(tmp_path)
    other = "holds a TinyAutoEncoder.*not a TinyClassifier"
    with pytest.raises(ValueError, match=other):
        TinyClassifier.from_preset(path)
    wide = "holds a TinyAutoEncoder.*not a TinyWideAutoEncoder"
    with pytest.raises(ValueError, match=wide):
        TinyWideAutoEncoder.from_preset(path)


@pytest.mark.parametrize("tamper", ["flip", "append"])
def test_tampered_weights_are_refused(tmp_path, monkeypatch, tamper):
    _, path = saved(tmp_path)
    weights = os.path.join(path, "model.weights.h5")
    with open(weights, "rb") as f:
        data = bytearray(f.read())
    if tamper == "flip":
        data[len(data) // 2] ^= 0xFF
    else:
        data += b"\0"
    with open(weights, "wb") as f:
        f.write(data)

    def no_load(*args, **kwargs):
        raise AssertionError("weights were loaded")

    monkeypatch.setattr(TinyAutoEncoder, "load_weights", no_load)
    with pytest.raises(ValueError, match="corrupted or changed"):
        TinyAutoEncoder.from_preset(path)


def test_reserved_metadata_keys(tmp_path):
    model = built(TinyAutoEncoder())
    with pytest.raises(ValueError, match=r"may not set the keys \['parameter_count'\]"):
        model.save_to_preset(
            str(tmp_path / "p"), metadata={"parameter_count": 1}, input_shape=(5,)
        )
    assert not os.path.exists(tmp_path / "p")


def test_unbuilt_model(tmp_path):
    with pytest.raises(ValueError, match="needs a built model"):
        TinyAutoEncoder().save_to_preset(str(tmp_path / "p"), input_shape=(5,))


def test_input_shape_none_needs_a_model_that_builds_itself(tmp_path):
    inputs = keras.Input((5,))
    functional = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    path = presets.save_to_preset(functional, str(tmp_path / "f"), input_shape=None)
    loaded = presets.load_preset(path)
    np.testing.assert_allclose(loaded.predict(np.ones((1, 5)), verbose=0),
                               functional.predict(np.ones((1, 5)), verbose=0), atol=1e-6)
    with pytest.raises(ValueError, match="does not create all its weights"):
        presets.save_to_preset(built(TinyAutoEncoder()), str(tmp_path / "t"), input_shape=None)


def test_subclassed_model_needs_input_shape(tmp_path):
    with pytest.raises(ValueError, match="pass `input_shape`"):
        built(TinyAutoEncoder()).save_to_preset(str(tmp_path / "p"))


def test_refuses_non_preset_folder(tmp_path):
    path = tmp_path / "other"
    os.makedirs(path)
    (path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not empty and not a preset"):
        presets.save_to_preset(built(TinyAutoEncoder()), str(path), input_shape=(5,))
    assert os.listdir(path) == ["notes.txt"]
