"""The judges of the voice presets: a speaker and a digit classifier, trained once and shipped.

Every voice recipe (`adversarial_vc_fsdd_flite.py`, `adain_vc_fsdd_flite.py`,
`vq_vc_fsdd_flite.py`) scores its converter with these judges, loaded from
`zoo/judges/fsdd_flite` (`keras_ae.evaluation.ConversionJudges.load`), and so
does the test that checks each voice card. Judges retrained in each run (as
the recipes did before) follow the machine's float rounding and their seed:
on a converted clip, unlike a real one, two such judges often disagree, and
the cards' conversion scores moved with them (see the card this writes).

The judges are `keras_ae.evaluation.SpeechClassifier`s (a small CNN on
log-mel frames) trained on the training takes (5–49) of the 10 speakers of
`keras_ae.data.spoken_digits`, as `recipes/voice_common.py` describes; their
accuracy on the test takes (0–4) is printed and goes into the card.

    python recipes/judges_fsdd_flite.py [--data ../shared/data] [--seed 0] [--epochs 30]
        [--output zoo/judges/fsdd_flite]
"""
import argparse
import os
import platform
import time
import types

import keras
import voice_common as recipe

import keras_ae


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    recipe.add_data_argument(parser)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--output", default=recipe.JUDGES, help="folder to write")
    args = parser.parse_args()
    if args.epochs < 1 or args.seed < 0:
        parser.error(f"--epochs must be >= 1 and --seed >= 0. Received: epochs={args.epochs}, "
                     f"seed={args.seed}")
    data = recipe.Data(types.SimpleNamespace(data=args.data, train_size=None, test_size=None))
    start = time.time()
    judges = recipe.train_judges(data, epochs=args.epochs, seed=args.seed)
    seconds = time.time() - start
    waves, digits, speakers, _ = data.test
    speaker = judges.speaker_judge.accuracy(waves, speakers)
    digit = judges.word_judge.accuracy(waves, digits)
    print(f"Judges trained in {seconds:.0f} s: speaker {speaker:.3f}, digit {digit:.3f} on the "
          f"{len(waves)} test takes", flush=True)
    judges.save(args.output, metadata={
        "test_accuracy": {"speaker": round(speaker, 4), "digit": round(digit, 4)},
        "recipe": "recipes/judges_fsdd_flite.py", "epochs": args.epochs, "seed": args.seed})
    with open(os.path.join(args.output, "README.md"), "w", encoding="utf-8") as f:
        f.write(card(args, data, seconds, speaker, digit))
    print(f"Wrote {args.output}")


def card(args, data, seconds, speaker, digit):
    command = "python recipes/judges_fsdd_flite.py" + (f" --seed {args.seed}" if args.seed
                                                        else "")
    return "\n".join([
        "# Judges of converted speech: fsdd_flite",
        "",
        "A speaker judge (which of the 10 speakers?) and a digit judge (which digit?), "
        "`keras_ae.evaluation.SpeechClassifier`s trained on real, unconverted speech; "
        "`keras_ae.evaluation.ConversionJudges.load` reads them. Every voice recipe and the "
        "tests of the voice presets' cards score conversions with these, so that scores made "
        "in different runs and on different machines are comparable.",
        "",
        f"Made by `{command}` ({seconds / 60:.1f} minutes on 2 CPU cores, "
        f"{platform.machine()}; keras-ae {keras_ae.__version__}, Keras {keras.__version__}, "
        f"backend {keras.backend.backend()}), {args.epochs} epochs, seed {args.seed}.",
        "",
        f"Data: {recipe.DATA.format(train=len(data.train[0]), test=len(data.test[0]))}.",
        "",
        "| judge | accuracy on the test takes |",
        "| --- | --- |",
        f"| speaker (10 classes) | {speaker:.3f} |",
        f"| digit (10 classes) | {digit:.3f} |",
        "",
        "Why they are shipped, not retrained by each recipe: a judge retrained with the same "
        "seed on another machine gets other weights (float rounding), and its labels of "
        "converted clips move with them although it still labels the real test takes "
        "correctly. The `vq_vc_fsdd_flite` preset of 2026-12-06 was scored 0.816 to the "
        "target and 0.738 of digits kept by the judges retrained on the machine that made it "
        "(which labelled 0.98 of the sources' digits), 0.842 / 0.793 by these judges, and "
        "0.812 / 0.789 by judges retrained with seed 1 on the machine that made these "
        "(`recipes/voice_judge_seeds.py`): differences of 0.03–0.06 from the judges alone.",
        "",
    ])


if __name__ == "__main__":
    main()
