"""How much the judges alone move a voice preset's conversion scores.

Scores one voice preset with the shipped judges (`zoo/judges/fsdd_flite`) and
with judges retrained on the training takes with each of `--seeds`, all in
this run, and prints one row per set of judges: their accuracy on the test
takes, the share of conversions labelled as the target, the share keeping
their digit. About 4 minutes per seed on 2 cores.

    python recipes/voice_judge_seeds.py vq_vc_fsdd_flite [--seeds 0 1 2] [--data ../shared/data]
"""
import argparse
import time
import types

import voice_common as recipe

import keras_ae
from keras_ae.data import FLITE_VOICES


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("preset", choices=sorted(recipe.PRESETS))
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    recipe.add_data_argument(parser)
    args = parser.parse_args()
    data = recipe.Data(types.SimpleNamespace(data=args.data, train_size=None, test_size=None))
    model = getattr(keras_ae.models, recipe.PRESETS[args.preset][0]).from_preset(args.preset)
    waves, digits, speakers, takes = data.evaluation
    rows = []
    for seed in [None, *args.seeds]:
        start = time.time()
        if seed is None:
            name, judges = "shipped", keras_ae.evaluation.ConversionJudges.load(recipe.JUDGES)
        else:
            name, judges = f"seed {seed}", recipe.train_judges(data, seed=seed)
        test = data.test
        accuracy = (judges.speaker_judge.accuracy(test[0], test[2]),
                    judges.word_judge.accuracy(test[0], test[1]))
        scores = keras_ae.evaluation.conversion_scores(model, judges, waves, digits, speakers,
                                                       takes, references=FLITE_VOICES)
        rows.append(f"| {name} | {accuracy[0]:.3f} / {accuracy[1]:.3f} | "
                    f"{scores['target_share']:.3f} | {scores['word_kept']:.3f} |")
        print(rows[-1], f"({time.time() - start:.0f} s)", flush=True)
    print(f"\n{args.preset}\n| judges | speaker / digit on the test takes | to the target | "
          "digit kept |\n| --- | --- | --- | --- |\n" + "\n".join(rows))


if __name__ == "__main__":
    main()
