"""What the voice-conversion recipes share: data, judges, training and the scores.

The data are the spoken digits of 10 speakers (`keras_ae.data.spoken_digits`:
FSDD's 6 real voices and flite's 4 synthetic ones), takes 5–49 for training
and 0–4 for testing. Every score is computed in the run that prints it, with
judges and probes trained on the training takes only; the judges are the
shipped ones (`zoo/judges/fsdd_flite`, made by `recipes/judges_fsdd_flite.py`,
`--judges train` for new ones), so that runs on different machines compare:

1. conversion: a speaker judge (`keras_ae.evaluation.SpeechClassifier`)
   labels converted test clips; the share labelled as the target, over every
   source → target pair of the evaluation clips (one test take of each digit
   per speaker, each converted to the 9 other voices), beside the same judge
   on the unconverted sources;
2. content kept: a digit judge, the share that keep the source's digit;
3. disentanglement: a linear probe for the speaker on the mean-pooled content
   code, trained on the training takes and scored on the test takes (chance
   0.1, lower is better), beside the probe on the mean-pooled log-mel frames
   the models read;
4. parallel distortion: MCD (`keras_ae.evaluation.mel_cepstral_distortion`,
   DTW-aligned, c1..c24 of the filterbank cepstrum) of conversions between
   two flite voices against the target voice's own rendering of the same take,
   beside the unconverted source against the same reference.
"""

import os
import shutil
import tempfile
import time

import common
import keras
import numpy as np

import keras_ae.zoo
from keras_ae.callbacks import ConversionAudio
from keras_ae.data import FLITE_VOICES
from keras_ae.data import SPOKEN_DIGIT_SPEAKERS
from keras_ae.data import audio_batches
from keras_ae.data import parallel_batches
from keras_ae.data import spoken_digits
from keras_ae.data import write_wav
from keras_ae.evaluation import ConversionJudges
from keras_ae.evaluation import content_probe
from keras_ae.evaluation import conversion_scores
from keras_ae.evaluation import evaluation_pairs
from keras_ae.evaluation import linear_probe

PROBE_EPOCHS = 200
DATA = ("Spoken digits of 10 speakers (`keras_ae.data.spoken_digits`): the Free Spoken Digit "
        "Dataset's 6 speakers (Jakobovski et al., CC BY-SA 4.0) and flite's 4 voices awb, rms, "
        "slt, kal16 (`keras_ae.data.flite_speech`, made with Debian's flite 2.2), 8 kHz mono; "
        "{train} training takes (5–49), {test} test takes (0–4)")


DATA_HELP = "the folder holding fsdd/ and flite-speech/"
# The shipped voice presets: their class in keras_ae.models, and their column in the card.
PRESETS = {"adversarial_vc_fsdd_flite": ("AdversarialVoiceConverter", "alternating"),
           "adain_vc_fsdd_flite": ("AdaINVoiceConverter", "adain"),
           "vq_vc_fsdd_flite": ("VQVoiceConverter", "vq")}


def parse_args(name, description, epochs):
    return common.parse_args(name, epochs=epochs, description=description, learning_rate=5e-4,
                             batch_size=32, data_help=DATA_HELP,
                             extra_arguments=[JUDGES_ARGUMENT])


def add_data_argument(parser):
    """`--data`, as the recipes take it, for the voice scripts that train no model."""
    parser.add_argument("--data", default=None, help=f"{DATA_HELP} (default: $KERAS_AE_DATA "
                        "or the usual places)")


# The judges every voice recipe and card uses: made once by recipes/judges_fsdd_flite.py
# and shipped, because retrained judges follow the machine's float rounding and their
# seed, and their labels of converted speech with them (see that recipe's card).
JUDGES = os.path.join(os.path.dirname(keras_ae.zoo.__file__), "judges", "fsdd_flite")
JUDGES_ARGUMENT = (("--judges",), {
    "default": JUDGES, "help": "folder of saved ConversionJudges to score with, or 'train' to "
    "train new ones on the training takes (default: the zoo's, made by "
    "recipes/judges_fsdd_flite.py)"})


class Data:
    """The training and test takes, and the evaluation's source clips."""

    def __init__(self, args):
        fsdd_path = flite_path = None
        if args.data:
            fsdd_path = os.path.join(args.data, "fsdd")
            flite_path = os.path.join(args.data, "flite-speech")
        self.train = spoken_digits("train", fsdd_path, flite_path)
        self.test = spoken_digits("test", fsdd_path, flite_path)
        if args.train_size:  # smoke runs: every n-th clip keeps all speakers and digits
            step = max(1, len(self.train[0]) // args.train_size)
            self.train = _every(self.train, step)
        waves, digits, speakers, takes = self.test
        pick = evaluation_pairs(speakers, digits, takes,
                                clips_per_speaker=10 if not args.test_size else 2)
        self.evaluation = _take(self.test, pick)

    def without(self, speaker):
        """The training takes without one speaker's."""
        keep = np.where(self.train[2] != SPOKEN_DIGIT_SPEAKERS.index(speaker))[0]
        return _take(self.train, keep)


def _take(arrays, index):
    waves, *rest = arrays
    return ([waves[i] for i in index], *[np.asarray(a)[index] for a in rest])


def _every(arrays, step):
    return _take(arrays, np.arange(0, len(arrays[0]), step))


def judges(data, args):
    """The judges named by `args.judges` (the shipped ones by default; `"train"`: new ones
    trained on the training takes with `args.seed`), printed with their accuracy on the
    test takes."""
    start = time.time()
    source = getattr(args, "judges", JUDGES)
    if source == "train":
        result = train_judges(data, epochs=5 if args.train_size else 30, seed=args.seed)
        source = "trained on the training takes"
    else:
        result = ConversionJudges.load(source)
        if result.speakers != tuple(SPOKEN_DIGIT_SPEAKERS):
            raise ValueError(f"The judges in {source!r} know the speakers {result.speakers}, "
                             f"not the recipes' {tuple(SPOKEN_DIGIT_SPEAKERS)}")
        source = f"loaded from {os.path.relpath(source)}"
    waves, digits, speakers, _ = data.test
    print(f"Judges {source} ({time.time() - start:.0f} s): speaker "
          f"{result.speaker_judge.accuracy(waves, speakers):.3f}, digit "
          f"{result.word_judge.accuracy(waves, digits):.3f} on the test takes", flush=True)
    return result


def train_judges(data, epochs=30, seed=0):
    """New judges: a speaker and a digit `SpeechClassifier` on the training takes."""
    return ConversionJudges(SPOKEN_DIGIT_SPEAKERS, data.train[0], data.train[1], data.train[2],
                            epochs=epochs, seed=seed)


def train(model, train_data, data, args, logdir, label, callbacks=(), group_by_length=None,
          partners=None):
    """Adapts the features, compiles and fits; returns the training seconds.

    `callbacks` are added to the TensorBoard ones (made when `logdir` is
    set) with `logdir/label` as their folder: functions of that folder.
    `group_by_length` is `audio_batches`' (clips of about the same length
    batched together). On JAX and PyTorch the batches' length is rounded up
    to 0.1 s: few shapes, faster steps there (`benchmarks/padded_batches.py`;
    not on TensorFlow, where the shipped presets were made without it).
    `partners`: for a model that learns from parallel clips, one array of
    aligned frames per clip of `train_data`, whose clips `2i` and `2i + 1`
    are pairs (`keras_ae.data.parallel_batches`)."""
    waves, _, speakers, _ = train_data
    keras.utils.set_random_seed(args.seed)
    model.adapt(waves[::5])
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    extra, callbacks = callbacks, []
    if logdir:
        callbacks.append(keras.callbacks.TensorBoard(os.path.join(logdir, label)))
        source = data.evaluation[0][0]
        target = data.evaluation[0][-1]
        callbacks.append(ConversionAudio(
            source, "kal16" if hasattr(model, "speaker_embedding") else target,
            target_audio=target, logdir=os.path.join(logdir, label)))
        callbacks.extend(make(os.path.join(logdir, label)) for make in extra)
    multiple = model.sampling_rate // 10 if keras.backend.backend() in ("jax", "torch") else None
    if partners is None:
        batches = audio_batches(waves, speakers, batch_size=args.batch_size, shuffle=True,
                                seed=args.seed, pad_to_multiple=multiple,
                                group_by_length=group_by_length)
    else:
        batches = parallel_batches(waves, speakers, partners, model.log_mel.frame_count,
                                   batch_size=args.batch_size, shuffle=True, seed=args.seed,
                                   pad_to_multiple=multiple, group_by_length=group_by_length)
    start = time.time()
    model.fit(batches, epochs=args.epochs, callbacks=callbacks, shuffle=False,
              verbose=common.verbosity())
    seconds = time.time() - start
    print(f"{label}: trained {args.epochs} epochs in {seconds / 60:.1f} minutes", flush=True)
    return seconds


def log_mel_probe(model, data):
    """The baseline of the speaker probe: mean-pooled standardised log-mel frames."""
    def pooled(waves):
        return np.stack([m.mean(0) for m in model._log_mels(waves)])

    return linear_probe(pooled(data.train[0][::3]), data.train[2][::3], pooled(data.test[0]),
                        data.test[2], epochs=PROBE_EPOCHS, batch_size=64)


def scores(model, judges_, data, label, targets=None):
    """Every score of `model`, printed and returned under `label`_ keys."""
    start = time.time()
    waves, digits, speakers, takes = data.evaluation
    result = conversion_scores(model, judges_, waves, digits, speakers, takes, targets=targets,
                               references=FLITE_VOICES)
    result["content_speaker_probe"] = content_probe(
        model, data.train[0][::3], data.train[2][::3], data.test[0], data.test[2],
        epochs=PROBE_EPOCHS)
    print(f"{label} ({time.time() - start:.0f} s): "
          + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                      for k, v in result.items()), flush=True)
    return {f"{label}_{k}": v for k, v in result.items()}


EXAMPLES = os.path.join(tempfile.gettempdir(), "keras_ae_vc_examples")


def write_examples(model, data, pairs):
    """A few converted WAV files for the card, `source_digit__to__target.wav`, in a
    scratch folder until `move_examples`. The sources are not copied (they are the
    data sets' files: `source_digit` names the test take)."""
    folder = EXAMPLES
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    waves, digits, speakers, takes = data.evaluation
    written = []
    for number, (source, target) in enumerate(pairs):
        mine = [i for i in range(len(waves)) if SPOKEN_DIGIT_SPEAKERS[speakers[i]] == source]
        index = mine[(3 * number + 2) % len(mine)]
        converted = model.convert([waves[index]], target)[0]
        name = f"{source}_{digits[index]}_{takes[index]}__to__{target}.wav"
        write_wav(os.path.join(folder, name), np.clip(converted, -1, 1), model.sampling_rate)
        written.append(name)
    return written


def move_examples(preset_folder):
    """Moves the examples into `<preset_folder>/examples` (after the preset is written)."""
    target = os.path.join(preset_folder, "examples")
    shutil.rmtree(target, ignore_errors=True)
    shutil.move(EXAMPLES, target)


TARGETS = {"target_share": ">= 0.8", "word_kept": ">= 0.8", "content_speaker_probe": "<= 0.3",
           "mcd_db": "< unconverted"}
ROWS = (
    ("target_share", "conversions labelled as the target (speaker judge)"),
    ("source_share_as_target", "baseline: unconverted sources labelled as the target"),
    ("word_kept", "conversions that keep the source's digit (digit judge)"),
    ("source_word_accuracy", "baseline: the digit judge on the unconverted sources"),
    ("resynthesized_word_accuracy", "ceiling: digit judge on the sources' own log-mel through "
     "Griffin-Lim"),
    ("resynthesized_speaker_accuracy", "ceiling: speaker judge on the same (own speaker)"),
    ("content_speaker_probe", "speaker probe on the mean-pooled content code (chance 0.1)"),
    ("mcd_db", "MCD, converted vs the target voice's recording (dB)"),
    ("mcd_unconverted_db", "baseline: MCD, unconverted source vs the same recording (dB)"),
    ("conversions", "conversions scored"),
    ("parallel_pairs", "flite → flite pairs in the MCD"),
)


def score_table(metrics, labels):
    """The card's table of every model's scores (a column per label) and the targets."""
    header = "| score | " + " | ".join(labels) + " | target |"
    table = [header, "| --- " * (len(labels) + 2) + "|"]
    for key, text in ROWS:
        cells = [str(round(float(metrics[f"{label}_{key}"]), 3)) if f"{label}_{key}" in metrics
                 else "–" for label in labels]
        table.append(f"| {text} | " + " | ".join(cells) + f" | {TARGETS.get(key, '')} |")
    return "\n".join(table)


def card_notes(metrics, labels, seconds, examples, settings, extra=()):
    """The card's paragraphs: a table of every model's scores and targets."""
    minutes = ", ".join(f"{label} {seconds[label] / 60:.1f}" for label in labels if label
                        in seconds)
    return [
        "Every model below was trained in the same run, on the same data, for the same "
        f"epochs (minutes of training: {minutes}), and scored by the same judges (the "
        "shipped `zoo/judges/fsdd_flite`, made by `recipes/judges_fsdd_flite.py`) and probes, "
        "all trained on the training takes only. Conversions: each of the 100 evaluation clips "
        "(one test take of each digit per speaker) to each of the 9 other voices, waveforms "
        "by Griffin-Lim (32 iterations), judged as waveforms.",
        score_table(metrics, labels),
        f"Speaker probe on the mean-pooled standardised log-mel frames the models read: "
        f"{metrics['log_mel_speaker_probe']:.3f}. The MCD is over c1..c24 of the orthonormal "
        "DCT-II of the natural log of the 40 mel band amplitudes (`keras_ae.evaluation."
        "mel_cepstrum`: half the log power), 25 ms windows every 10 ms, DTW-aligned, silence "
        "included; unsmoothed spectra make it larger than published MCDs: compare the columns, "
        "not papers.",
        f"Settings: {settings}.",
        *extra,
        "Listen: " + ", ".join(f"`examples/{e}`" for e in examples) + " (`source_digit_take"
        "__to__target`: the source is that test take of `keras_ae.data.spoken_digits`).",
    ]


ONE_UTTERANCE_DIGIT, ONE_UTTERANCE_TAKE = 7, 5


def one_utterance(data, speaker):
    """One training take of `speaker`: the one-shot target."""
    waves, digits, speakers, takes = data.train
    index = np.where((speakers == SPOKEN_DIGIT_SPEAKERS.index(speaker))
                     & (digits == ONE_UTTERANCE_DIGIT))[0]
    chosen = [i for i in index if takes[i] == ONE_UTTERANCE_TAKE] or list(index)
    return waves[chosen[0]]


def speaker_vector_probe(model, data):
    """A digit probe on the speaker vectors: near chance (0.1) is better."""
    return linear_probe(model.encode_speaker(data.train[0][::3]), data.train[1][::3],
                        model.encode_speaker(data.test[0]), data.test[1], epochs=PROBE_EPOCHS,
                        batch_size=64)


def golden_input():
    """The fixed clip whose outputs the preset's tests compare with the card:
    0.5 s of a 220 Hz tone with two harmonics and a little noise."""
    t = np.arange(4000) / 8000
    rng = np.random.default_rng(0)
    wave = sum(0.2 / k * np.sin(2 * np.pi * 220 * k * t) for k in (1, 2, 3))
    return (wave + rng.normal(0, 0.01, len(t))).astype("float32")


def golden_numbers(model):
    """A few outputs for `golden_input()`, kept in the metadata (see tests/zoo)."""
    content = model.encode_content([golden_input()])[0]
    return {"content_mean_first_8_channels": [round(float(v), 5) for v in content.mean(0)[:8]],
            "content_frames": int(content.shape[0])}


def finish(model, args, metrics, seconds, labels, preset_label, description, data, examples,
           settings, extra=(), more_data=""):
    """Writes the preset of the `preset_label` model with its card, then its examples.

    `more_data` is appended to the card's description of the data (e.g. other
    training clips)."""
    notes = card_notes(metrics, labels, seconds, examples, settings, extra)
    common.finish(model, args, {k: round(float(v), 4) for k, v in metrics.items()},
                  seconds[preset_label], description, notes,
                  data=DATA.format(train=len(data.train[0]), test=len(data.test[0])) + more_data,
                  input_shape=None, evaluated_on="the test takes, by judges and probes "
                  "trained on the training takes",
                  extra_metadata={"golden": golden_numbers(model)})
    move_examples(args.output)
