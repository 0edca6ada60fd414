"""What discrete codes of speech hold: phones, speakers, words, and how many bits.

The measures of the VQ-VAE papers on speech (van den Oord et al. 2017,
arXiv 1711.00937; Chorowski et al. 2019, arXiv 1901.08810) and of the
ZeroSpeech challenges (Dunbar et al. 2019, arXiv 1904.11469), for any
frame-level codes or features: every function takes plain numpy arrays, one
per clip, so it scores a `keras_ae.models.VQVoiceConverter`, k-means
clusters of log-mel frames, or a continuous encoder's features alike.
"""

import numpy as np

from keras_ae._checks import check_int
from keras_ae._checks import check_number
from keras_ae.evaluation.mel_cepstral_distortion import _dtw_paths


def code_phone_mapping(train_codes, train_phones, test_codes, test_phones):
    """Maps each code to the phone it most often falls on; the accuracy of that map.

    The VQ-VAE paper's measure of how phonetic a codebook is (49.3% on
    LibriSpeech, 7.2% for random codes): on the training frames, each code
    is mapped to the phone it coincides with most often; on the test frames,
    the share whose code maps to their own phone. A code never seen in
    training maps to the most common training phone.

    Args:
        train_codes, test_codes: int codes, one per frame: a list of 1-d
            arrays (one per clip) or one 1-d array.
        train_phones, test_phones: int phone labels in the same layout (e.g.
            from `keras_ae.data.phone_labels`), the same lengths clip by
            clip.

    Returns:
        `(accuracy, mapping)`: the test accuracy, a float in [0, 1], and a
        dict from each training code to its phone.

    Example:

    >>> from keras_ae.evaluation import code_phone_mapping
    >>> accuracy, mapping = code_phone_mapping([[0, 0, 1, 2]], [[5, 5, 6, 6]], [[0, 1, 2, 3]],
    ...                                        [[5, 6, 5, 5]])
    >>> accuracy, mapping
    (0.75, {0: 5, 1: 6, 2: 6})
    """
    train_codes, train_phones = _paired(train_codes, train_phones, "train_codes", "train_phones")
    test_codes, test_phones = _paired(test_codes, test_phones, "test_codes", "test_phones")
    if len(train_codes) == 0 or len(test_codes) == 0:
        raise ValueError("The training and test frames must not be empty.")
    num_codes = int(max(train_codes.max(), test_codes.max())) + 1
    num_phones = int(max(train_phones.max(), test_phones.max())) + 1
    table = np.zeros((num_codes, num_phones), "int64")
    np.add.at(table, (train_codes, train_phones), 1)
    seen = table.sum(1) > 0
    common = int(np.bincount(train_phones).argmax())
    best = np.where(seen, table.argmax(1), common)
    accuracy = float(np.mean(best[test_codes] == test_phones))
    mapping = {int(c): int(best[c]) for c in np.where(seen)[0]}
    return accuracy, mapping


def kmeans(frames, num_clusters, iterations=25, seed=0, sample=50000):
    """Lloyd's k-means of frames, seeded by k-means++: the baseline codebook.

    Args:
        frames: float array `(n, dim)`, or a list of `(frames, dim)` arrays
            (concatenated).
        num_clusters: int >= 1, at most the number of frames.
        iterations: int >= 1, Lloyd iterations over all frames.
        seed: int, seed of the k-means++ draws.
        sample: int >= 1, the k-means++ seeding runs on at most this many
            frames drawn at random (its cost grows with frames × clusters).

    Returns:
        float32 centroids `(num_clusters, dim)`; label frames with
        `nearest_centroid`.
    """
    frames = _frames(frames, "frames")
    check_int("num_clusters", num_clusters, 1)
    check_int("iterations", iterations, 1)
    check_int("sample", sample, 1)
    if num_clusters > len(frames):
        raise ValueError(f"`num_clusters` ({num_clusters}) must be at most the number of frames "
                         f"({len(frames)}).")
    rng = np.random.default_rng(seed)
    pool = frames[rng.choice(len(frames), min(sample, len(frames)), replace=False)]
    centroids = [pool[rng.integers(len(pool))]]
    closest = np.sum((pool - centroids[0]) ** 2, axis=1)
    for _ in range(1, num_clusters):
        total = closest.sum()
        pick = rng.choice(len(pool), p=closest / total) if total > 0 else rng.integers(len(pool))
        centroids.append(pool[pick])
        closest = np.minimum(closest, np.sum((pool - pool[pick]) ** 2, axis=1))
    centroids = np.stack(centroids).astype("float64")
    for _ in range(iterations):
        labels = nearest_centroid(frames, centroids)
        sizes = np.bincount(labels, minlength=num_clusters)
        sums = np.zeros_like(centroids)
        np.add.at(sums, labels, frames)
        filled = sizes > 0
        centroids[filled] = sums[filled] / sizes[filled, None]
    return centroids.astype("float32")


def nearest_centroid(frames, centroids, chunk=8192):
    """The index of the nearest centroid (Euclidean) of every frame, int64 `(n,)`."""
    frames = _frames(frames, "frames")
    centroids = np.asarray(centroids, "float64")
    squared = np.sum(centroids ** 2, axis=1)
    labels = np.empty(len(frames), "int64")
    for start in range(0, len(frames), chunk):
        block = frames[start:start + chunk].astype("float64")
        labels[start:start + chunk] = np.argmin(squared[None] - 2.0 * block @ centroids.T,
                                                axis=1)
    return labels


def bag_of_codes(codes, num_codes):
    """Each clip's histogram of codes, normalised to sum to 1: `(clips, num_codes)` float32.

    What is left of a clip when the order of its codes is thrown away: a
    speaker classifier on it measures how much of the voice the codes hold.
    """
    check_int("num_codes", num_codes, 1)
    clips = _clip_list(codes, "codes")
    bags = np.zeros((len(clips), num_codes), "float32")
    for i, clip in enumerate(clips):
        clip = _ints(clip, f"codes[{i}]")
        if clip.size and (clip.min() < 0 or clip.max() >= num_codes):
            raise ValueError(f"`codes[{i}]` must hold codes in [0, {num_codes}). Received: "
                             f"values from {clip.min()} to {clip.max()}")
        bags[i] = np.bincount(clip, minlength=num_codes) / max(len(clip), 1)
    return bags


def bitrate(codes, frames_per_second):
    """The ZeroSpeech 2019 bitrate of codes, in bits per second.

    `symbols per second × H`, where H is the entropy (bits) of the codes'
    distribution over all clips: what the codes would cost to send with an
    ideal code of their unigram frequencies.

    Args:
        codes: a list of 1-d int arrays (one per clip) or one 1-d array.
        frames_per_second: codes per second of audio, e.g.
            `VQVoiceConverter.frames_per_second`.

    Example:

    >>> from keras_ae.evaluation import bitrate
    >>> bitrate([[0, 1, 2, 3]], frames_per_second=100)  # 2 bits, 100 times a second
    200.0
    """
    check_number("frames_per_second", frames_per_second, low=0, low_open=True)
    flat = np.concatenate([_ints(c, f"codes[{i}]") for i, c in
                           enumerate(_clip_list(codes, "codes"))])
    if flat.size == 0:
        raise ValueError("`codes` holds no code.")
    p = np.unique(flat, return_counts=True)[1] / flat.size
    return float(frames_per_second * -np.sum(p * np.log2(p)))


def abx_error(features, words, speakers, num_triplets=2000, distance="cosine", seed=0):
    """The across-speaker ABX error rate of frame features on words (ZeroSpeech).

    A triplet is A and B, two different words said by one speaker, and X,
    A's word said by another speaker. The features discriminate the words
    if X is closer to A than to B, by the DTW-aligned distance: the mean
    frame distance along the path of least total distance. The error is the
    share of triplets where X is closer to B (ties count half). 0 is
    perfect, 0.5 is chance.

    Args:
        features: a list of float arrays `(frames, dim)`, one per clip (e.g.
            the code vectors, `VQVoiceConverter.encode_content`, or log-mel
            frames).
        words, speakers: int arrays, one per clip.
        num_triplets: int >= 1, triplets drawn at random (with the seed).
        distance: `"cosine"` (ZeroSpeech's choice) or `"euclidean"` between
            frames.
        seed: int.

    Returns:
        A float in [0, 1].
    """
    clips = [np.asarray(f, "float64") for f in _clip_list(features, "features")]
    for i, f in enumerate(clips):
        if f.ndim != 2 or len(f) == 0 or not np.all(np.isfinite(f)):
            raise ValueError(f"`features[{i}]` must be a finite non-empty (frames, dim) array. "
                             f"Received: shape {f.shape}")
    words = _ints(words, "words")
    speakers = _ints(speakers, "speakers")
    if not len(words) == len(speakers) == len(clips):
        raise ValueError(f"`features`, `words` and `speakers` must have one entry per clip. "
                         f"Received: {len(clips)}, {len(words)} and {len(speakers)}")
    if distance not in ("cosine", "euclidean"):
        raise ValueError(f"`distance` must be 'cosine' or 'euclidean'. Received: "
                         f"distance={distance!r}")
    check_int("num_triplets", num_triplets, 1)
    if distance == "cosine":
        clips = [f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12) for f in clips]
    rng = np.random.default_rng(seed)
    by_key = {}
    for i, key in enumerate(zip(speakers.tolist(), words.tolist())):
        by_key.setdefault(key, []).append(i)
    # (A's speaker, A's word, B's word, X's speaker) for which every clip exists.
    kinds = [(s, w, v, t) for (s, w) in by_key for (t, u) in by_key if u == w and t != s
             for (r, v) in by_key if r == s and v != w]
    if not kinds:
        raise ValueError("No ABX triplet: it needs two words of one speaker and one of them "
                         "from another speaker.")
    triplets = []
    for _ in range(num_triplets):
        s, w, v, t = kinds[rng.integers(len(kinds))]
        a = by_key[(s, w)][rng.integers(len(by_key[(s, w)]))]
        b = by_key[(s, v)][rng.integers(len(by_key[(s, v)]))]
        x = by_key[(t, w)][rng.integers(len(by_key[(t, w)]))]
        triplets.append(((min(a, x), max(a, x)), (min(b, x), max(b, x))))
    # Each pair of clips aligned once, many at a time (by length; 1024 pairs bound the
    # memory of their distance matrices).
    pairs = sorted({pair for triplet in triplets for pair in triplet},
                   key=lambda pair: (len(clips[pair[0]]), len(clips[pair[1]])))
    dtw = {}
    for start in range(0, len(pairs), 1024):
        chunk = pairs[start:start + 1024]
        costs = [_frame_distances(clips[i], clips[j], distance) for i, j in chunk]
        for pair, cost, path in zip(chunk, costs, _dtw_paths(costs)):
            dtw[pair] = float(cost[path[:, 0], path[:, 1]].mean())
    errors = 0.0
    for ax_pair, bx_pair in triplets:
        ax, bx = dtw[ax_pair], dtw[bx_pair]
        errors += 1.0 if ax > bx else 0.5 if ax == bx else 0.0
    return errors / num_triplets


def _frame_distances(a, b, distance):
    """The distance of every frame of `a` to every frame of `b`, `(len(a), len(b))`; for
    `"cosine"`, `a` and `b` hold unit vectors."""
    if distance == "cosine":
        return np.clip(1.0 - a @ b.T, 0.0, 2.0)
    return np.sqrt(np.maximum(np.sum(a ** 2, 1)[:, None] - 2 * a @ b.T + np.sum(b ** 2, 1)[None],
                              0.0))


def _clip_list(x, name):
    if isinstance(x, np.ndarray):
        return [x] if x.ndim == 1 and x.dtype != object else list(x)
    if not isinstance(x, (list, tuple)) or not len(x):
        raise ValueError(f"`{name}` must be a non-empty list of arrays (one per clip). "
                         f"Received: {type(x).__name__}")
    if all(np.ndim(v) == 0 for v in x):
        return [np.asarray(x)]
    return list(x)


def _ints(x, name):
    x = np.asarray(x)
    if x.ndim != 1 or (x.size and not np.issubdtype(x.dtype, np.integer)):
        raise ValueError(f"`{name}` must be a 1-d int array. Received: dtype {x.dtype}, "
                         f"shape {x.shape}")
    return x.astype("int64")


def _paired(codes, phones, codes_name, phones_name):
    codes, phones = _clip_list(codes, codes_name), _clip_list(phones, phones_name)
    if len(codes) != len(phones):
        raise ValueError(f"`{codes_name}` and `{phones_name}` must have the same clips. "
                         f"Received: {len(codes)} and {len(phones)}")
    for i, (c, p) in enumerate(zip(codes, phones)):
        if np.shape(c) != np.shape(p):
            raise ValueError(f"Clip {i}: `{codes_name}` and `{phones_name}` must have one "
                             f"value per frame. Received: {np.shape(c)} and {np.shape(p)}")
    c = np.concatenate([_ints(c, codes_name) for c in codes])
    p = np.concatenate([_ints(p, phones_name) for p in phones])
    if c.size and (c.min() < 0 or p.min() < 0):
        raise ValueError("Codes and phones must be non-negative ints.")
    return c, p


def _frames(frames, name):
    if isinstance(frames, (list, tuple)):
        frames = np.concatenate([np.asarray(f) for f in frames])
    frames = np.asarray(frames, "float64")
    if frames.ndim != 2 or not np.all(np.isfinite(frames)):
        raise ValueError(f"`{name}` must be a finite (frames, dim) array. Received: shape "
                         f"{frames.shape}")
    return frames

