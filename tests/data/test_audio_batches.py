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


def _epoch(dataset):
    """Each batch of one epoch as (lengths of its clips, their labels, padded length)."""
    out = []
    for (waves, mask), labels in dataset:
        out.append((mask.numpy().sum(1).astype(int).tolist(), labels.numpy().tolist(),
                    waves.shape[1]))
    return out


def test_group_by_length_batches_clips_of_about_the_same_length():
    rng = np.random.default_rng(0)
    clips = [rng.normal(size=n).astype("float32") for n in rng.integers(1, 200, size=96)]
    labels = np.arange(96)
    grouped = audio_batches(clips, labels=labels, batch_size=8, shuffle=True, seed=3,
                            group_by_length=4)
    plain = audio_batches(clips, labels=labels, batch_size=8, shuffle=True, seed=3)
    assert int(grouped.cardinality()) == 12  # known, as without grouping
    first, second = _epoch(grouped), _epoch(grouped)
    for epoch in first, second:
        # Every clip once per epoch, each with its own label and samples.
        assert sorted(label for _, batch, _ in epoch for label in batch) == list(range(96))
        for lengths, batch, _ in epoch:
            assert lengths == [len(clips[i]) for i in batch]
    assert first != second  # new groups and a new batch order every epoch
    assert first == _epoch(audio_batches(clips, labels=labels, batch_size=8, shuffle=True,
                                         seed=3, group_by_length=4))  # reproducible

    def padded(epoch):
        return sum(width * len(lengths) for lengths, _, width in epoch)

    # Each group of 4 batches is sorted by length, so less of each batch is padding.
    assert padded(first) < 0.8 * padded(_epoch(plain))
    # A batch is a run of its group's clips in sorted order.
    for lengths, _, _ in first:
        assert lengths == sorted(lengths)


def test_group_by_length_without_shuffle_or_labels():
    clips = _clips(6)[::-1]  # lengths 25 down to 20
    batches = [tuple(waves.shape) for waves, _ in
               audio_batches(clips, batch_size=2, group_by_length=3)]
    assert batches == [(2, 21), (2, 23), (2, 25)]  # sorted, in order, without a shuffle
    batches = list(audio_batches(clips, labels=(np.arange(6), np.arange(6) * 2),
                                 batch_size=4, group_by_length=2, pad_to_multiple=8))
    (waves, mask), (first, second) = batches[0]
    assert waves.shape == (4, 24) and second.numpy().tolist() == [10, 8, 6, 4]
    assert first.numpy().tolist() == [5, 4, 3, 2]


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
    ({"group_by_length": 0}, "group_by_length=0"),
    ({"group_by_length": True}, "group_by_length=True"),
    ({"group_by_length": 2, "crop_length": 4}, "group_by_length=2"),
    ({"labels": np.arange(3)}, "one entry per clip"),
])
def test_bad_arguments(kwargs, match):
    arguments = {"waveforms": [np.zeros(4), np.zeros(5)], **kwargs}
    with pytest.raises(ValueError, match=match):
        audio_batches(**arguments)
