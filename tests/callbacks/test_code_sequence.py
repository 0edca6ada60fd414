import glob
import os

import numpy as np
import pytest
import tiny_models

from keras_ae.callbacks import CodeSequence
from keras_ae.callbacks import code_image


def test_writes_code_images_and_usage_every_epoch(tmp_path):
    tf = pytest.importorskip("tensorflow")
    model = tiny_models.build("vq_vc")
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    x, y = tiny_models.batch("vq_vc")
    callback = CodeSequence([x[0], x[1][:700]], logdir=str(tmp_path))
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[callback])
    (events,) = glob.glob(os.path.join(tmp_path, "codes", "*"))
    values = [(v, e.step) for e in tf.compat.v1.train.summary_iterator(events)
              for v in e.summary.value]
    tags = {(v.tag, step) for v, step in values}
    for step in (0, 1):
        for tag in ("codes_0", "codes_1", "code_usage", "code_usage_share", "code_perplexity"):
            assert (tag, step) in tags, (tag, sorted(tags))
    share = [tf.make_ndarray(v.tensor) for v, _ in values if v.tag == "code_usage_share"]
    codes = np.concatenate(model.encode([x[0], x[1][:700]]))
    assert float(share[-1]) == pytest.approx(len(np.unique(codes)) / model.num_codes)


def test_code_image_draws_each_code_at_its_height_over_the_spectrogram():
    log_mel = np.zeros((3, 4), "float32")  # 3 frames, 4 bands: a flat (black) spectrogram
    image = code_image(log_mel, [0, 3, 3], num_codes=4, strip=2, scale=1)
    assert image.shape == (2 + 4, 3, 3)
    # The strip above: the same colour for the same code, another for another.
    np.testing.assert_array_equal(image[0, 1], image[0, 2])
    assert not np.array_equal(image[0, 0], image[0, 1])
    # Code 0 at the bottom row, the highest code at the top row of the spectrogram.
    assert image[-1, 0].sum() > 0 and image[2, 0].sum() == 0
    assert image[2, 1].sum() > 0 and image[-1, 1].sum() == 0


@pytest.mark.parametrize("kwargs, match", [
    ({"clips": []}, "clips"),
    ({"clips": [np.zeros((2, 5))]}, r"clips\[0\]"),
    ({"clips": [np.zeros(5)], "every_n_epochs": 0}, "every_n_epochs=0"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CodeSequence(**kwargs)
