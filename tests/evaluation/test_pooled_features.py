import keras
import numpy as np
import pytest

from keras_ae.evaluation import pooled_features


def _frames(batch):
    """A frame-local feature: 4-sample frames, (mean, max) of each."""
    frames = batch.reshape(len(batch), -1, 4)
    return np.stack([frames.mean(-1), frames.max(-1)], axis=-1)


def test_pools_each_clips_own_frames_only():
    rng = np.random.default_rng(0)
    clips = [rng.normal(size=4 * n).astype("float32") + n for n in (5, 2, 9, 2, 7)]
    got = pooled_features(_frames, clips, lambda n: n // 4, batch_size=2)
    assert got.shape == (5, 4) and got.dtype == np.float32
    for clip, row in zip(clips, got):
        frames = _frames(clip[None])[0]  # the clip alone: no padding at all
        np.testing.assert_allclose(row, np.concatenate([frames.mean(0), frames.std(0)]), rtol=1e-5)


def test_padding_is_excluded_for_a_keras_layer_and_the_order_is_kept():
    from keras_ae.layers import LogMelSpectrogram

    layer = LogMelSpectrogram(sampling_rate=8000)
    rng = np.random.default_rng(1)
    clips = [rng.normal(size=n).astype("float32") for n in (3000, 800, 2000)]
    # The last two frames' windows reach past a clip's end, where the batch
    # has zeros and the clip alone its reflection; the others are the same.
    got = pooled_features(layer, clips, lambda n: layer.frame_count(n) - 2, batch_size=3)
    for clip, row in zip(clips, got):
        frames = keras.ops.convert_to_numpy(layer(clip[None]))[0, :-2]
        np.testing.assert_allclose(row, np.concatenate([frames.mean(0), frames.std(0)]), atol=1e-4)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"frames_of": None}, "frames_of"),
        ({"frame_count": 3}, "frame_count"),
        ({"batch_size": 0}, "batch_size"),
        ({"clips": []}, "clips"),
        ({"clips": [np.zeros((2, 8))]}, r"clips\[0\]"),
        ({"frame_count": lambda n: n}, "frame_count"),
    ],
)
def test_errors(kwargs, message):
    args = {"frames_of": _frames, "clips": [np.zeros(8, "float32")],
            "frame_count": lambda n: n // 4,
            **kwargs}
    with pytest.raises(ValueError, match=message):
        pooled_features(**args)
