import glob
import os

import numpy as np
import pytest
import tiny_models

from keras_ae.callbacks import ConversionAudio
from keras_ae.callbacks.conversion_audio import spectrogram_image


def test_writes_audio_and_log_mel_images_every_epoch(tmp_path):
    tf = pytest.importorskip("tensorflow")
    model = tiny_models.build("adversarial_reversal_vc")
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    x, y = tiny_models.batch("adversarial_reversal_vc")
    callback = ConversionAudio(x[0], "b", target_audio=x[1], logdir=str(tmp_path))
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[callback])
    (events,) = glob.glob(os.path.join(tmp_path, "conversion", "*"))
    values = [(v, e.step) for e in tf.compat.v1.train.summary_iterator(events)
              for v in e.summary.value]
    tags = {(v.tag, step) for v, step in values}
    for name in ("source", "target", "converted"):
        for step in (0, 1):
            assert (f"{name}/audio_0", step) in tags or (name, step) in tags, (name, tags)
            assert any(t.startswith(f"{name}_log_mel") and s == step for t, s in tags)
    audio = [v for v, _ in values if v.tag.startswith("converted")][0]
    assert audio.metadata.plugin_data.plugin_name == "audio"


def test_spectrogram_image_puts_low_bands_at_the_bottom():
    log_mel = np.tile(np.arange(4, dtype="float32"), (5, 1))  # 5 frames, band b = b
    image = spectrogram_image(log_mel)
    assert image.shape == (4, 5, 1)
    assert image[-1, 0, 0] == 0.0 and image[0, 0, 0] == 1.0


@pytest.mark.parametrize("kwargs, match", [
    ({"source": np.zeros((2, 5)), "target": np.zeros(5)}, "source"),
    ({"source": np.zeros(5), "target": "slt"}, "target_audio"),
    ({"source": np.zeros(5), "target": np.zeros(5), "every_n_epochs": 0}, "every_n_epochs=0"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ConversionAudio(**kwargs)
