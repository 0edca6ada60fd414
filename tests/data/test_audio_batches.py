import numpy as np
import pytest

from keras_ae.data import audio_batches


def _clips(n=10, length=20):
    return [np.arange(i * 100, i * 100 + length + i, dtype="float32") for i in range(n)]


def test_padded_batches_carry_a_mask():
    clips = _clips(4)
    batches = list(audio_batches(clips, labels=np.arange(4), batch_size=3))
    assert [len(labels) for _, labels in batches] == [3, 1]
    (waves, mask), labels = batches[0]
    waves, mask = waves.numpy(), mask.numpy()
    assert waves.shape == mask.shape == (3, 22)  # the longest clip of the batch
    for row, label in enumerate(labels.numpy()):
        n = len(clips[label])
        np.testing.assert_array_equal(waves[row, :n], clips[label])
        assert mask[row, :n].all() and not mask[row, n:].any() and not waves[row, n:].any()


def test_pad_to_multiple_rounds_the_length_up_and_masks_the_extra():
    clips = _clips(4)  # lengths 20..23
    batches = list(audio_batches(clips, labels=np.arange(4), batch_size=3, pad_to_multiple=8))
    shapes = [tuple(waves.shape) for (waves, _), _ in batches]
    assert shapes == [(3, 24), (1, 24)]  # 22 and 23 rounded up to 24
    for (waves, mask), labels in batches:
        for row, label in enumerate(labels.numpy()):
            n = len(clips[label])
            np.testing.assert_array_equal(waves.numpy()[row, :n], clips[label])
            assert mask.numpy()[row, :n].all() and not mask.numpy()[row, n:].any()
            assert not waves.numpy()[row, n:].any()
    (waves, mask), = audio_batches([np.ones(16, "float32")], pad_to_multiple=8)
    assert waves.shape == mask.shape == (1, 16)  # already a multiple: unchanged


def test_crops_are_windows_of_their_clip_and_change_every_epoch():
    clips = _clips(10)
    dataset = audio_batches(clips, labels=np.arange(10), batch_size=10, crop_length=6,
                            shuffle=True, seed=3)
    epochs = [next(iter(dataset)) for _ in range(2)]
    for waves, labels in epochs:
        assert waves.shape == (10, 6)
        for window, label in zip(waves.numpy(), labels.numpy()):
            start = int(window[0] - clips[label][0])
            np.testing.assert_array_equal(window, clips[label][start:start + 6])
    assert not np.array_equal(epochs[0][1].numpy(), epochs[1][1].numpy())  # reshuffled
    again = next(iter(audio_batches(clips, labels=np.arange(10), batch_size=10,
                                    crop_length=6, shuffle=True, seed=3)))
    np.testing.assert_array_equal(again[0].numpy(), epochs[0][0].numpy())  # reproducible


def test_short_clips_are_padded_to_the_crop_and_labels_may_be_a_tuple():
    clips = [np.ones(3, "float32")]
    (waves, (digits, speakers)), = audio_batches(
        clips, labels=(np.array([7]), np.array([2])), batch_size=4, crop_length=5)
    np.testing.assert_array_equal(waves.numpy(), [[1, 1, 1, 0, 0]])
    assert digits.numpy().tolist() == [7] and speakers.numpy().tolist() == [2]


def test_without_labels_only_the_audio():
    (waves, mask), = audio_batches(_clips(2), batch_size=2)
    assert waves.shape == mask.shape == (2, 21)
    waves, = audio_batches(_clips(2), batch_size=2, crop_length=4)
    assert waves.shape == (2, 4)


@pytest.mark.parametrize("kwargs, match", [
    ({"waveforms": []}, "non-empty list"),
    ({"waveforms": [np.zeros((2, 2))]}, r"waveforms\[0\]"),
    ({"waveforms": [np.zeros(0)]}, r"waveforms\[0\]"),
    ({"batch_size": 0}, "batch_size=0"),
    ({"crop_length": 0}, "crop_length=0"),
    ({"pad_to_multiple": 0}, "pad_to_multiple=0"),
    ({"pad_to_multiple": 8, "crop_length": 4}, "pad_to_multiple=8"),
    ({"labels": np.arange(3)}, "one entry per clip"),
])
def test_bad_arguments(kwargs, match):
    arguments = {"waveforms": [np.zeros(4), np.zeros(5)], **kwargs}
    with pytest.raises(ValueError, match=match):
        audio_batches(**arguments)
