import json
import os

import keras
import numpy as np

from keras_ae._checks import as_waveform_list
from keras_ae._checks import check_int
from keras_ae._checks import check_number
from keras_ae.evaluation._clip_frames import PAD_FRAMES
from keras_ae.evaluation._clip_frames import clip_frames
from keras_ae.layers import LogMelSpectrogram

_NUM_MEL_BINS = 40
# Training clips longer than this many frames (1.28 s at 10 ms) are cut to
# their loudest stretch of it, so one long clip does not pad every batch.
_TRAIN_FRAMES = 128
# Prediction runs on batches of this many rows (padded with empty ones) and
# a multiple of PAD_FRAMES frames: few shapes, so a compiling backend (JAX)
# compiles `predict` a few times only.
_PREDICT_BATCH = 64


class SpeechClassifier:
    """A small CNN on log-mel frames that labels speech clips: a judge for converted speech.

    The objective check of a voice converter: train one judge on real
    recordings to tell the speakers apart and one to tell the words, then
    ask them about converted clips (is it the target's voice? is it still
    the same word?). Each clip becomes log-mel frames
    (`keras_ae.layers.LogMelSpectrogram`, 40 bands, 25 ms windows every
    10 ms), standardised per band with the training clips' mean and
    standard deviation; three blocks of `Conv1D(k=5, relu)` and max-pooling
    by 2 (64, 64, 128 filters) follow, then the mean and the maximum over
    time of the last block, dropout and a `Dense(num_classes)`; Adam on the
    cross-entropy.

    Clips may differ in length. Each clip's frames are computed alone, the
    clip followed by silence (not reflected at its end). Batches of frames
    are zero-padded at the end and a mask zeroes the padding after every
    convolution, so a clip's label does not depend on what else is in its
    batch: it equals the label of the clip alone (zero padding is what a
    "same" convolution sees past the end anyway, and the pooled ReLU
    features are >= 0). For training, clips longer than 1.28 s are cut to
    their loudest 1.28 s.

    A plain Python object, not a Keras layer; `save` and `load` keep a
    trained judge in one `.npz` file (its settings, the band statistics and
    the weights), so that scores made on different machines or in different
    runs come from the same judge: retrained, even with the same seed, a
    judge's weights follow the machine's float rounding, and its labels of
    converted (unlike real) speech move with them. It runs on any Keras
    backend. On FSDD (2,700
    training clips, 6 speakers, TensorFlow on 2 cores), a speaker judge and
    a digit judge each fit in under a minute and label all 300 test clips
    correctly (measured here).

    Args:
        num_classes: int >= 2, labels are `0 .. num_classes - 1`.
        sampling_rate: int >= 1, samples per second of every clip. Defaults
            to 8000.
        epochs: int >= 1, passes over the training clips. Defaults to 30.
        batch_size: int >= 1, clips per training step. Defaults to 32.
        learning_rate: float > 0, Adam's. Defaults to 1e-3.
        seed: int >= 0: `fit` calls `keras.utils.set_random_seed(seed)`, so
            the initialisation, shuffling and dropout (and the global random
            state) are fixed by it. Defaults to 0.
        verbose: Keras `fit` verbosity. Defaults to 0.

    Attributes:
        model: after `fit`, the Keras model: log-mel frames
            `(batch, frames, 40)` (standardised) and their mask
            `(batch, frames)` → logits `(batch, num_classes)`.
        mean, std: after `fit`, the training frames' per-band statistics.

    Example:

    >>> import numpy as np
    >>> from keras_ae.evaluation import SpeechClassifier
    >>> def tone(hz, n):
    ...     return np.sin(2 * np.pi * hz * np.arange(n) / 8000).astype("float32")
    >>> clips = [tone(hz, n) for hz in (300, 1200) for n in (1600, 2400, 4000)]
    >>> labels = [0, 0, 0, 1, 1, 1]
    >>> judge = SpeechClassifier(num_classes=2, epochs=20).fit(clips, labels)
    >>> judge.predict([tone(300, 3000), tone(1200, 2000)]).tolist()
    [0, 1]
    """

    def __init__(self, num_classes, sampling_rate=8000, epochs=30, batch_size=32,
                 learning_rate=1e-3, seed=0, verbose=0):
        self.num_classes = check_int("num_classes", num_classes, 2)
        self.sampling_rate = check_int("sampling_rate", sampling_rate, 1)
        self.epochs = check_int("epochs", epochs, 1)
        self.batch_size = check_int("batch_size", batch_size, 1)
        self.learning_rate = check_number("learning_rate", learning_rate, low=0, low_open=True)
        self.seed = check_int("seed", seed, 0)
        self.verbose = verbose
        self.front_end = LogMelSpectrogram(sampling_rate=self.sampling_rate,
                                           num_mel_bins=_NUM_MEL_BINS)
        self.mean = None  # per band, of the training frames
        self.std = None
        self.model = None

    def fit(self, waveforms, labels):
        """Trains the judge from scratch on labelled clips.

        Args:
            waveforms: a list of 1-d float arrays (lengths may differ), each
                at least `fft_length // 2 + 1` samples (129 at 8 kHz).
            labels: ints in `[0, num_classes)`, one per clip.

        Returns:
            The classifier itself.
        """
        waveforms = self._waveforms(waveforms)
        labels = self._labels(labels, len(waveforms))
        frames = [clip_frames(self.front_end, w) for w in waveforms]
        stacked = np.concatenate(frames)
        self.mean = stacked.mean(0)
        self.std = stacked.std(0) + 1e-6  # a constant band stays finite
        frames = [_loudest(self._standardise(f), _TRAIN_FRAMES) for f in frames]
        x, mask = _pad(frames, max(len(f) for f in frames))

        keras.utils.set_random_seed(self.seed)
        self.model = self._build()
        self.model.compile(keras.optimizers.Adam(self.learning_rate),
                           keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        self.model.fit([x, mask], labels, epochs=self.epochs, batch_size=self.batch_size,
                       shuffle=True, verbose=self.verbose)
        return self

    def save(self, path):
        """Writes the trained judge to `path`, a `.npz` file (numpy arrays only: it loads
        on any backend and without pickling)."""
        self._check_trained()
        if not str(path).endswith(".npz"):
            raise ValueError(f"`path` must end in .npz. Received: path={path!r}")
        config = {"num_classes": self.num_classes, "sampling_rate": self.sampling_rate,
                  "epochs": self.epochs, "batch_size": self.batch_size,
                  "learning_rate": self.learning_rate, "seed": self.seed}
        weights = {f"weight_{i}": w for i, w in enumerate(self.model.get_weights())}
        np.savez(path, config=np.array(json.dumps(config)), mean=self.mean, std=self.std,
                 **weights)

    @classmethod
    def load(cls, path):
        """A judge written by `save`: its labels and logits are those of the saved judge
        (up to the float rounding of the machine running it)."""
        if not os.path.isfile(path):
            raise FileNotFoundError(f"No saved SpeechClassifier at path={path!r}")
        with np.load(path, allow_pickle=False) as saved:
            config = json.loads(str(saved["config"]))
            judge = cls(**config)
            judge.mean, judge.std = saved["mean"], saved["std"]
            weights = [saved[f"weight_{i}"] for i in range(len(saved.files) - 3)]
        judge.model = judge._build()
        expected = len(judge.model.weights)
        if len(weights) != expected:
            raise ValueError(f"{path!r} holds {len(weights)} weight arrays; a judge of "
                             f"{config['num_classes']} classes has {expected}")
        judge.model.set_weights(weights)
        return judge

    def predict(self, waveforms):
        """The label of each clip, each as if it were alone.

        Args:
            waveforms: a list of 1-d float arrays, as for `fit`.

        Returns:
            An int numpy array `(len(waveforms),)`, the argmax of `logits`.
        """
        return np.argmax(self.logits(waveforms), axis=1)

    def logits(self, waveforms):
        """The judge's unnormalised log-probabilities of each class, clip by clip.

        `softmax` of a row is the judge's belief in each class (e.g. how
        much a converted clip sounds like each speaker). Clips are batched
        by length; a clip's row is that of the clip alone, to float
        rounding.

        Args:
            waveforms: a list of 1-d float arrays, as for `fit`.

        Returns:
            A float32 numpy array `(len(waveforms), num_classes)`.
        """
        self._check_trained()
        # One clip at a time: its frames never see another clip.
        frames = [self._standardise(clip_frames(self.front_end, w))
                  for w in self._waveforms(waveforms)]
        logits = np.zeros((len(frames), self.num_classes), "float32")
        # Batches of similar lengths: little padding, and few padded shapes.
        order = np.argsort([len(f) for f in frames], kind="stable")
        for start in range(0, len(order), _PREDICT_BATCH):
            chosen = order[start : start + _PREDICT_BATCH]
            longest = max(len(frames[i]) for i in chosen)
            x, mask = _pad([frames[i] for i in chosen], -(-longest // PAD_FRAMES) * PAD_FRAMES,
                           rows=_PREDICT_BATCH)
            batch = self.model.predict([x, mask], batch_size=_PREDICT_BATCH, verbose=0)
            logits[chosen] = batch[: len(chosen)]
        return logits

    def accuracy(self, waveforms, labels):
        """The fraction of clips whose predicted label is `labels`' (a float in [0, 1])."""
        waveforms = self._waveforms(waveforms)
        labels = self._labels(labels, len(waveforms))
        return float(np.mean(self.predict(waveforms) == labels))

    def _check_trained(self):
        if self.model is None:
            raise RuntimeError("The SpeechClassifier has not been trained: call `fit` first "
                               "(or `SpeechClassifier.load`).")

    def _waveforms(self, waveforms):
        return as_waveform_list("waveforms", waveforms, self.front_end.min_samples)

    def _standardise(self, frames):
        return (frames - self.mean) / self.std

    def _labels(self, labels, n):
        labels = np.asarray(labels)
        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"`labels` must be a 1-d array of ints. Received: shape={labels.shape}, "
                f"dtype={labels.dtype}"
            )
        if len(labels) != n:
            raise ValueError(
                f"`labels` must hold one label per clip. Received: {len(labels)} labels for "
                f"{n} clips"
            )
        if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
            raise ValueError(
                f"`labels` must be in [0, num_classes) = [0, {self.num_classes}). Received: "
                f"labels from {labels.min()} to {labels.max()}"
            )
        return labels

    def _build(self):
        frames = keras.Input((None, _NUM_MEL_BINS), name="log_mel")
        mask = keras.Input((None,), name="mask")
        x, valid = frames, keras.ops.expand_dims(mask, -1)
        for filters in (64, 64, 128):
            # Zeroing the padding after each convolution makes the next one
            # see, past a clip's end, the zeros of its own "same" padding.
            x = keras.layers.Conv1D(filters, 5, padding="same", activation="relu")(x) * valid
            x = keras.layers.MaxPooling1D(2, padding="same")(x)
            valid = keras.layers.MaxPooling1D(2, padding="same")(valid)
        # ReLU features are >= 0 and the padding is 0: the sum and the
        # maximum over time are those of the real frames.
        mean = keras.ops.sum(x, axis=1) / keras.ops.maximum(keras.ops.sum(valid, axis=1), 1.0)
        peak = keras.ops.max(x, axis=1)
        pooled = keras.layers.Dropout(0.3)(keras.layers.Concatenate()([mean, peak]))
        logits = keras.layers.Dense(self.num_classes)(pooled)
        return keras.Model([frames, mask], logits)


def _loudest(frames, length):
    """The `length` consecutive frames of most total log energy (all of a shorter clip)."""
    if len(frames) <= length:
        return frames
    energy = np.concatenate([[0.0], np.cumsum(frames.sum(1))])
    start = int(np.argmax(energy[length:] - energy[:-length]))
    return frames[start : start + length]


def _pad(frames, length, rows=None):
    """Frames zero-padded at the end, `(rows, length, bands)`, and their mask `(rows, length)`.

    `rows` defaults to `len(frames)`; the rows past the clips are empty.
    """
    rows = len(frames) if rows is None else rows
    x = np.zeros((rows, length, frames[0].shape[1]), "float32")
    mask = np.zeros((rows, length), "float32")
    for row, f in enumerate(frames):
        x[row, : len(f)] = f
        mask[row, : len(f)] = 1.0
    return x, mask
