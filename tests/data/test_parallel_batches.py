import numpy as np
import pytest

from keras_ae.data import align_parallel
from keras_ae.data import cepstra
from keras_ae.data import parallel_batches
from keras_ae.evaluation import dtw_path


def _frames(n):
    return 1 + n // 10


def _pairs(count, seed=0):
    """`count` pairs of clips (lengths 20..), each clip's samples its pair number, and
    partners mapping frame t to min(t, the partner's last frame)."""
    rng = np.random.default_rng(seed)
    clips, partners = [], []
    for p in range(count):
        a, b = rng.integers(20, 60, 2)
        clips += [np.full(a, p, "float32"), np.full(b, p, "float32")]
        fa, fb = _frames(a), _frames(b)
        partners += [np.minimum(np.arange(fa), fb - 1), np.minimum(np.arange(fb), fa - 1)]
    return clips, np.arange(2 * count), partners


def test_align_parallel_follows_the_dtw_path_both_ways():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(30, 5))
    b = np.repeat(a, 2, axis=0) + rng.normal(0, 0.01, (60, 5))  # a said twice as slowly
    (partner_a, partner_b), = align_parallel([a], [b])
    assert partner_a.dtype == partner_b.dtype == np.int32
    assert partner_a.shape == (30,) and partner_b.shape == (60,)
    np.testing.assert_array_equal(partner_b, np.arange(60) // 2)
    np.testing.assert_array_equal(partner_a, 2 * np.arange(30))  # the middle of 2t, 2t + 1
    # Each frame's partner is the middle of the frames the textbook path pairs it with.
    cost = np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))
    path = dtw_path(cost)
    for t in range(30):
        met = path[path[:, 0] == t, 1]
        assert partner_a[t] == (met.min() + met.max()) // 2
    # Identical clips: every frame its own partner.
    (same, again), = align_parallel([a], [a])
    np.testing.assert_array_equal(same, np.arange(30))
    np.testing.assert_array_equal(again, np.arange(30))


def test_align_parallel_checks_its_arguments():
    with pytest.raises(ValueError, match="as many clips"):
        align_parallel([np.ones((3, 2))], [])
    with pytest.raises(ValueError, match=r"Clip pair 0 .* shapes \(3, 2\) and \(3, 4\)"):
        align_parallel([np.ones((3, 2))], [np.ones((3, 4))])
    with pytest.raises(ValueError, match="Clip pair 0"):
        align_parallel([np.ones((0, 2))], [np.ones((3, 2))])


def test_cepstra_drop_the_level_and_each_clips_mean():
    rng = np.random.default_rng(0)
    mel = rng.normal(size=(40, 20))
    c, = cepstra([mel], num_coefficients=12)
    assert c.shape == (40, 12) and c.dtype == np.float32
    np.testing.assert_allclose(c.mean(0), 0.0, atol=1e-5)
    # A constant added to every band (louder) or to every frame of a band (a fixed
    # coloration of the clip) changes nothing.
    louder, = cepstra([mel + 3.0 + rng.normal(size=(1, 20))], num_coefficients=12)
    np.testing.assert_allclose(louder, c, atol=1e-4)
    with pytest.raises(ValueError, match="num_coefficients"):
        cepstra([mel], num_coefficients=20)
    with pytest.raises(ValueError, match="log_mels"):
        cepstra([])


@pytest.mark.parametrize("group_by_length", [None, 3])
def test_pairs_share_a_batch_every_epoch_once_each(group_by_length):
    clips, labels, partners = _pairs(11)
    batches = parallel_batches(clips, labels, partners, _frames, batch_size=4, shuffle=True,
                               seed=1, pad_to_multiple=8, group_by_length=group_by_length)
    assert len(batches) == 6
    orders, first = [], None
    for _ in range(2):
        seen = []
        if first is None:
            first = [list(batches[i][1]) for i in range(len(batches))]
        for index in range(len(batches)):
            (waves, mask, partner), batch_labels = batches[index]
            assert waves.shape[1] % 8 == 0 and partner.shape == (len(waves),
                                                                _frames(waves.shape[1]))
            assert partner.dtype == np.int32 and waves.dtype == mask.dtype == np.float32
            for row, label in enumerate(batch_labels):
                n = len(clips[label])
                np.testing.assert_array_equal(waves[row, :n], clips[label])
                assert mask[row, :n].all() and not mask[row, n:].any()
                np.testing.assert_array_equal(partner[row, :_frames(n)], partners[label])
                assert np.all(partner[row, _frames(n):] == -1)
            # Rows 2j and 2j + 1 are a pair.
            assert np.all(batch_labels[0::2] % 2 == 0)
            np.testing.assert_array_equal(batch_labels[1::2], batch_labels[0::2] + 1)
            seen.extend(batch_labels[0::2] // 2)
        assert sorted(seen) == list(range(11))
        orders.append(seen)
        batches.on_epoch_end()
    assert orders[0] != orders[1]  # a new order each epoch
    again = parallel_batches(clips, labels, partners, _frames, batch_size=4, shuffle=True,
                             seed=1, pad_to_multiple=8, group_by_length=group_by_length)
    assert [list(again[i][1]) for i in range(len(again))] == first  # the same from the seed


def test_grouping_by_length_pads_less():
    clips, labels, partners = _pairs(40)

    def padding(group):
        batches = parallel_batches(clips, labels, partners, _frames, batch_size=8, shuffle=True,
                                   group_by_length=group)
        return sum(batches[i][0][1].size - batches[i][0][1].sum() for i in range(len(batches)))

    assert padding(5) < 0.7 * padding(None)


def test_parallel_batches_checks_its_arguments():
    clips, labels, partners = _pairs(2)
    with pytest.raises(ValueError, match="even number"):
        parallel_batches(clips[:3], labels[:3], partners[:3], _frames)
    with pytest.raises(ValueError, match="batch_size.*Received: batch_size=3"):
        parallel_batches(clips, labels, partners, _frames, batch_size=3)
    with pytest.raises(ValueError, match="one entry per clip"):
        parallel_batches(clips, labels[:2], partners, _frames)
    with pytest.raises(ValueError, match="one array per clip"):
        parallel_batches(clips, labels, partners[:2], _frames)
    bad = list(partners)
    bad[1] = bad[1][:-1]
    with pytest.raises(ValueError, match=r"partners\[1\]"):
        parallel_batches(clips, labels, bad, _frames)
    bad[1] = partners[1] + 100
    with pytest.raises(ValueError, match=r"partners\[1\].*Received: values"):
        parallel_batches(clips, labels, bad, _frames)
    with pytest.raises(ValueError, match=r"waveforms\[2\]"):
        parallel_batches(clips[:2] + [np.ones((2, 2), "float32")] + clips[3:], labels, partners,
                         _frames)
    with pytest.raises(ValueError, match="group_by_length"):
        parallel_batches(clips, labels, partners, _frames, group_by_length=0)
