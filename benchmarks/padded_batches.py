"""Training ms/step on clips of many lengths: `audio_batches` padded to each batch's
longest clip, against the same clips with `pad_to_multiple` (lengths rounded up
to a multiple, so few shapes), with `group_by_length` (clips sorted by length
in groups of batches, so less padding) and with both.

JAX compiles a step for every new input shape, so a training on clips of many
lengths, padded to each batch's longest, compiles on most steps: this
measures what `pad_to_multiple` saves. Every backend computes on the padding,
which `group_by_length` cuts.
The model is the `vq_vc_fsdd_flite` preset's architecture
(`VQVoiceConverter.from_preset(..., load_weights=False)`), trained on random 8
kHz clips whose lengths are drawn uniformly between `--shortest` and `--longest`
seconds (its recipe's sentence pieces are 0.2-1 s long; of the spoken digits'
training takes, 95% are at most 0.98 s, the longest 2.28 s), `--steps` batches
of `--batch` per epoch. Each setting is built with the same seed and compiled
with Adam; one untimed epoch (compilation of the shapes seen so far), then
`--epochs` timed ones, each a new shuffle of the same clips, so new batch
lengths still appear. The baseline is the padding to the longest clip, in the
same run on the same clips; the table gives ms per step for each setting, the
share of the batches' samples that is padding, and the ratio of each setting's
time to the baseline's (below 1 is faster).

A fifth row trains the same clips as parallel pairs (clip `2i` with `2i + 1`,
each frame aligned with the partner's frame at the same share of its length)
through `parallel_batches`, with both settings and `parallel_weight=0.05` (any
weight above 0 computes the same): against the row "both", what the pairs'
batching and the pull to the partner's codes cost. A sixth row feeds the
batches of the row "both", made once by `audio_batches` and kept, through a
`keras.utils.PyDataset` (what `parallel_batches` is), without partners:
against "both", what that input path costs alone (its batches are the same
every epoch, where the other rows reshuffle).

Run on the backend of `KERAS_BACKEND`, one at a time:

    KERAS_BACKEND=jax python benchmarks/padded_batches.py [--steps 20] [--epochs 2]
        [--batch 32] [--multiple 800] [--group 8] [--shortest 0.2] [--longest 1.0]
"""
import argparse
import time

import keras
import numpy as np

from keras_ae.data import SPOKEN_DIGIT_SPEAKERS
from keras_ae.data import audio_batches
from keras_ae.data import parallel_batches
from keras_ae.models import VQVoiceConverter


def padding_share(batches):
    """The share of the batches' samples that is padding (over one epoch)."""
    if isinstance(batches, keras.utils.PyDataset):
        dataset = batches
        batches = (dataset[i] for i in range(len(dataset)))
    padded = real = 0
    for inputs, _ in batches:
        padded += int(np.prod(inputs[0].shape))
        real += float(np.asarray(inputs[1]).sum())
    return 1 - real / padded


def linear_partners(clips, frame_count):
    """Each clip's frames aligned with its pair partner's (`2i` with `2i + 1`) at the same
    share of their lengths."""
    partners = []
    for i, clip in enumerate(clips):
        own, other = frame_count(len(clip)), frame_count(len(clips[i ^ 1]))
        partners.append((np.arange(own) * other // own).astype("int32"))
    return partners


class KeptBatches(keras.utils.PyDataset):
    """Batches made once (e.g. one epoch of `audio_batches`), served as a PyDataset."""

    def __init__(self, batches):
        super().__init__()
        self.batches = [((np.asarray(x[0]), np.asarray(x[1])), np.asarray(y))
                        for x, y in batches]

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        return self.batches[index]


def ms_per_step(clips, speakers, args, parallel=False, kept=False, **batching):
    """`(ms per step, padding share)` of a preset-architecture model fitted on `clips`
    batched with `batching` (keyword arguments of `audio_batches`), or with `parallel`
    by `parallel_batches` with `parallel_weight=0.05`, or with `kept` by one epoch of
    `audio_batches` kept and served as a `KeptBatches` PyDataset."""
    keras.utils.set_random_seed(0)
    config = VQVoiceConverter.from_preset("vq_vc_fsdd_flite", load_weights=False).get_config()
    model = VQVoiceConverter.from_config({**config, "parallel_weight": 0.05 if parallel else 0.0})
    if list(model.speakers) != list(SPOKEN_DIGIT_SPEAKERS):
        raise ValueError(f"the preset's speakers changed: {model.speakers}")
    model.adapt(clips[::5])
    model.compile(optimizer=keras.optimizers.Adam(5e-4))
    if parallel:
        batches = parallel_batches(clips, speakers, linear_partners(
            clips, model.log_mel.frame_count), model.log_mel.frame_count,
            batch_size=args.batch, shuffle=True, seed=0, **batching)
    else:
        batches = audio_batches(clips, speakers, batch_size=args.batch, shuffle=True, seed=0,
                                **batching)
        if kept:
            batches = KeptBatches(batches)
    model.fit(batches, epochs=1, verbose=0, shuffle=False)  # compilation
    start = time.perf_counter()
    model.fit(batches, epochs=args.epochs, verbose=0, shuffle=False)
    seconds = time.perf_counter() - start
    return seconds / (args.epochs * args.steps) * 1000, padding_share(batches)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="batches per epoch")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--multiple", type=int, default=800, help="samples (800 = 0.1 s)")
    parser.add_argument("--group", type=int, default=8, help="batches per length group")
    parser.add_argument("--shortest", type=float, default=0.2, help="seconds")
    parser.add_argument("--longest", type=float, default=1.0, help="seconds")
    args = parser.parse_args()
    if not 0 < args.shortest <= args.longest:
        parser.error(f"need 0 < --shortest <= --longest; got {args.shortest}, {args.longest}")
    rng = np.random.default_rng(0)
    count = args.steps * args.batch
    lengths = rng.integers(int(args.shortest * 8000), int(args.longest * 8000) + 1, count)
    clips = [rng.normal(0, 0.1, n).astype("float32") for n in lengths]
    speakers = rng.integers(0, len(SPOKEN_DIGIT_SPEAKERS), count)
    settings = {
        "to the batch's longest clip": {},
        f"`pad_to_multiple={args.multiple}`": {"pad_to_multiple": args.multiple},
        f"`group_by_length={args.group}`": {"group_by_length": args.group},
        "both": {"pad_to_multiple": args.multiple, "group_by_length": args.group},
        "`parallel_batches`, both": {"pad_to_multiple": args.multiple,
                                     "group_by_length": args.group, "parallel": True},
        "`audio_batches`' batches of \"both\" as a PyDataset": {
            "pad_to_multiple": args.multiple, "group_by_length": args.group, "kept": True},
    }
    results = {name: ms_per_step(clips, speakers, args, **batching)
               for name, batching in settings.items()}
    print(f"backend {keras.backend.backend()}, {count} clips of {args.shortest}-{args.longest}"
          f" s, batch {args.batch}, {args.epochs} timed epochs of {args.steps} steps")
    print("| batches | ms/step | padding | ratio |\n| --- | --- | --- | --- |")
    baseline = results["to the batch's longest clip"][0]
    for name, (ms, share) in results.items():
        print(f"| {name} | {ms:.0f} | {share:.0%} | {ms / baseline:.2f}× |")


if __name__ == "__main__":
    main()
