import keras
import numpy as np

from keras_ae._checks import check_int


def align_parallel(features_a, features_b):
    """Which frame of the other clip each frame of two parallel clips falls on.

    Parallel clips say the same words in different voices (flite's voices
    reading one sentence, two speakers' takes of one digit). They are aligned
    by dynamic time warping on the Euclidean distance of their frames'
    features, and each frame gets the middle one of the other clip's frames
    that its path meets.

    The features should say what is said more than who says it: e.g.
    cepstra with each clip's own mean taken out (`cepstra` below), not raw
    log-mel, whose distances are dominated by the voices' spectra.

    Args:
        features_a, features_b: lists of float arrays `(frames, dims)`, one
            pair of parallel clips per position; each clip at least 1 frame.

    Returns:
        A list of `(partner_a, partner_b)` int32 arrays, one pair per
        position: `partner_a[t]` is the frame of clip b aligned with frame
        `t` of clip a, and the other way round.

    Example:

    >>> import numpy as np
    >>> from keras_ae.data import align_parallel
    >>> a = np.array([[0.0], [1.0], [2.0]])
    >>> b = np.array([[0.0], [0.0], [1.0], [2.0], [2.0]])  # said slower
    >>> [p.tolist() for p in align_parallel([a], [b])[0]]
    [[0, 2, 3], [0, 0, 1, 2, 2]]
    """
    from keras_ae.evaluation.discrete_codes import _frame_distances
    from keras_ae.evaluation.mel_cepstral_distortion import _dtw_paths

    if len(features_a) != len(features_b):
        raise ValueError("`features_a` and `features_b` must hold as many clips. Received: "
                         f"{len(features_a)} and {len(features_b)}")
    costs = []
    for i, (a, b) in enumerate(zip(features_a, features_b)):
        a, b = np.asarray(a, "float64"), np.asarray(b, "float64")
        if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or not len(a) or not len(b):
            raise ValueError(f"Clip pair {i} must be two non-empty (frames, dims) arrays of "
                             f"the same dims. Received: shapes {a.shape} and {b.shape}")
        costs.append(_frame_distances(a, b, "euclidean"))
    out = []
    for cost, path in zip(costs, _dtw_paths(costs)):
        out.append((_middle(path[:, 0], path[:, 1], cost.shape[0]),
                    _middle(path[:, 1], path[:, 0], cost.shape[1])))
    return out


def _middle(frames, partners, length):
    """For each of `length` frames, the middle one of the partners the path pairs it with
    (the path meets every frame, in order)."""
    first = np.searchsorted(frames, np.arange(length), side="left")
    last = np.searchsorted(frames, np.arange(length), side="right") - 1
    return ((partners[first] + partners[last]) // 2).astype("int32")


def cepstra(log_mels, num_coefficients=12):
    """Cepstral coefficients 1..`num_coefficients` of log-mel frames (the orthonormal
    DCT-II over the bands), each clip's mean taken out: features for `align_parallel`
    that follow the phones more than the voice (c0, the loudness, left out).

    Args:
        log_mels: a list of float arrays `(frames, num_mel_bins)`.
        num_coefficients: int >= 1, less than `num_mel_bins`.

    Returns:
        A list of float32 arrays `(frames, num_coefficients)`.
    """
    if not log_mels:
        raise ValueError("`log_mels` must be a non-empty list of (frames, bins) arrays.")
    bins = np.asarray(log_mels[0]).shape[-1]
    num_coefficients = check_int("num_coefficients", num_coefficients, 1, bins - 1)
    from keras_ae.layers.mfcc import dct_matrix

    dct = dct_matrix(bins, num_coefficients + 1)[:, 1:].astype("float64")
    out = []
    for m in log_mels:
        c = np.asarray(m, "float64") @ dct
        out.append((c - c.mean(0)).astype("float32"))
    return out


def parallel_batches(waveforms, labels, partners, frame_count, batch_size=32, shuffle=False,
                     seed=0, pad_to_multiple=None, group_by_length=None):
    """Batches of parallel clips in pairs, with which frames say the same thing.

    Clips `2i` and `2i + 1` of `waveforms` say the same words (in different
    voices, or takes); they always share a batch, as its rows `2j` and
    `2j + 1`. Each batch is `((waves, mask, partner_frames), labels)`:
    `waves` and `mask` as `audio_batches`' padded batches (float32
    `(batch, samples)`, 1 on real samples), `partner_frames` int32
    `(batch, frame_count(samples))`, the frame of the row's partner aligned
    with each of its frames (−1 on padding and where there is none), as
    `keras_ae.models.VQVoiceConverter(parallel_weight=...)` takes them.

    Args:
        waveforms: a list of an even number of 1-d float arrays, in pairs.
        labels: an array with one entry per clip (e.g. speaker indices).
        partners: a list of int arrays, one per clip, `frame_count(len(clip))`
            entries each: for each frame of the clip, the frame of its
            partner clip aligned with it, or −1 (e.g. from `align_parallel`).
        frame_count: a function of a clip's length in samples giving its
            number of frames (e.g. `model.log_mel.frame_count`).
        batch_size: an even int >= 2.
        shuffle: bool, reshuffle the pairs every epoch.
        seed: int, seed of the shuffling.
        pad_to_multiple: None or int >= 1, as in `audio_batches`.
        group_by_length: None or int >= 1, as in `audio_batches`, for pairs
            (by the longer clip of each).

    Returns:
        A `keras.utils.PyDataset` of such batches, for `fit` on any backend.

    Example:

    >>> import numpy as np
    >>> from keras_ae.data import parallel_batches
    >>> clips = [np.ones(240, "float32"), np.ones(320, "float32")]
    >>> frames = lambda n: 1 + n // 80
    >>> partners = [np.array([0, 1, 3, 4]), np.array([0, 1, 1, 2, 3])]
    >>> batches = parallel_batches(clips, np.array([0, 1]), partners, frames, batch_size=2)
    >>> (waves, mask, partner), labels = batches[0]
    >>> waves.shape, partner.tolist()
    ((2, 320), [[0, 1, 3, 4, -1], [0, 1, 1, 2, 3]])
    """
    return ParallelBatches(waveforms, labels, partners, frame_count, batch_size, shuffle, seed,
                           pad_to_multiple, group_by_length)


class ParallelBatches(keras.utils.PyDataset):
    """The dataset of `parallel_batches` (see there)."""

    def __init__(self, waveforms, labels, partners, frame_count, batch_size, shuffle, seed,
                 pad_to_multiple, group_by_length):
        super().__init__()
        if not isinstance(waveforms, (list, tuple)) or not waveforms or len(waveforms) % 2:
            raise ValueError("`waveforms` must be a non-empty list of clips in pairs (an "
                             f"even number). Received: {_count(waveforms)}")
        self.clips = [np.asarray(w, "float32") for w in waveforms]
        for i, clip in enumerate(self.clips):
            if clip.ndim != 1 or clip.size == 0:
                raise ValueError(f"`waveforms[{i}]` must be a non-empty mono clip, shape "
                                 f"(time,). Received: shape={clip.shape}")
        self.labels = np.asarray(labels)
        if len(self.labels) != len(self.clips):
            raise ValueError(f"`labels` must have one entry per clip ({len(self.clips)}). "
                             f"Received: {len(self.labels)} entries")
        if len(partners) != len(self.clips):
            raise ValueError(f"`partners` must have one array per clip ({len(self.clips)})."
                             f" Received: {len(partners)} arrays")
        self.frame_count = frame_count
        counts = [frame_count(len(clip)) for clip in self.clips]
        self.partners = []
        for i, p in enumerate(partners):
            p = np.asarray(p)
            frames, other = counts[i], counts[i ^ 1]
            if p.shape != (frames,) or not np.issubdtype(p.dtype, np.integer):
                raise ValueError(
                    f"`partners[{i}]` must be an int array of the clip's {frames} frames. "
                    f"Received: dtype {p.dtype}, shape {p.shape}")
            if p.size and (p.min() < -1 or p.max() >= other):
                raise ValueError(
                    f"`partners[{i}]` must hold frames of its partner clip, in [0, {other})"
                    f", or -1. Received: values from {p.min()} to {p.max()}")
            self.partners.append(p.astype("int32"))
        self.batch_size = check_int("batch_size", batch_size, 2)
        if self.batch_size % 2:
            raise ValueError("`batch_size` must be even: the clips come in pairs. "
                             f"Received: batch_size={batch_size}")
        self.shuffle = bool(shuffle)
        self.seed = check_int("seed", seed)
        self.pad_to_multiple = check_int("pad_to_multiple", pad_to_multiple, 1,
                                         allow_none=True)
        self.group_by_length = check_int("group_by_length", group_by_length, 1,
                                         allow_none=True)
        self.epoch = 0
        self._order()

    def _order(self):
        """The pairs of each batch, for this epoch."""
        pairs = np.arange(len(self.clips) // 2)
        if self.shuffle:
            pairs = np.random.default_rng([self.seed, self.epoch]).permutation(pairs)
        per_batch = self.batch_size // 2
        if self.group_by_length:
            longest = np.array([max(len(self.clips[2 * p]), len(self.clips[2 * p + 1]))
                                for p in pairs])
            size = per_batch * self.group_by_length
            groups = [pairs[s:s + size][np.argsort(longest[s:s + size], kind="stable")]
                      for s in range(0, len(pairs), size)]
            batches = []
            rng = np.random.default_rng([self.seed, self.epoch, 1])
            for group in groups:
                cut = [group[s:s + per_batch] for s in range(0, len(group), per_batch)]
                if self.shuffle:
                    cut = [cut[k] for k in rng.permutation(len(cut))]
                batches.extend(cut)
        else:
            batches = [pairs[s:s + per_batch] for s in range(0, len(pairs), per_batch)]
        self.batches = batches

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        rows = [r for p in self.batches[index] for r in (2 * p, 2 * p + 1)]
        length = max(len(self.clips[r]) for r in rows)
        if self.pad_to_multiple:
            length += (-length) % self.pad_to_multiple
        frames = self.frame_count(length)
        waves = np.zeros((len(rows), length), "float32")
        mask = np.zeros((len(rows), length), "float32")
        partner = np.full((len(rows), frames), -1, "int32")
        for k, r in enumerate(rows):
            n = len(self.clips[r])
            waves[k, :n] = self.clips[r]
            mask[k, :n] = 1.0
            partner[k, :len(self.partners[r])] = self.partners[r]
        return (waves, mask, partner), self.labels[rows]

    def on_epoch_end(self):
        self.epoch += 1
        self._order()


def _count(value):
    return f"{len(value)} clips" if isinstance(value, (list, tuple)) else type(value).__name__

