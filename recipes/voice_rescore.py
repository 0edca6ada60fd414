"""Scores a shipped voice preset again with the shipped judges, and updates its card.

The voice presets made before the judges were shipped (`zoo/judges/fsdd_flite`,
`recipes/judges_fsdd_flite.py`) were scored by judges retrained in their own
run, on the machine that ran it; retrained elsewhere, such judges label
converted clips differently (see the judges' card). This loads a preset,
scores its conversions with the shipped judges (`voice_common.scores`'
conversion part: the same 900 conversions, baselines and MCD), prints them,
and writes them into the preset's metadata and card in place of the run's
own judges' scores (kept beside them under `scored_by_run_judges`, and
named in a note). Columns of models the recipe trained beside the preset but
did not ship cannot be scored again; the note says so. The weights are not
touched.

    python recipes/voice_rescore.py adain_vc_fsdd_flite [--data ../shared/data]
"""
import argparse
import json
import os
import time
import types

import common
import voice_common as recipe

import keras_ae
from keras_ae.data import FLITE_VOICES

# The scores that depend on the judges (the MCD does not, but is computed with them).
JUDGED = ("target_share", "source_share_as_target", "word_kept", "source_word_accuracy",
          "resynthesized_word_accuracy", "resynthesized_speaker_accuracy", "mcd_db",
          "mcd_unconverted_db")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("preset", choices=sorted(recipe.PRESETS))
    recipe.add_data_argument(parser)
    args = parser.parse_args()
    class_name, label = recipe.PRESETS[args.preset]
    folder = os.path.join(keras_ae.presets.builtin_presets_dir(), args.preset)
    with open(os.path.join(folder, "metadata.json"), encoding="utf-8") as f:
        metadata = json.load(f)
    if "scored_by_run_judges" in metadata:
        raise SystemExit(f"{args.preset} is already scored by the shipped judges")
    data = recipe.Data(types.SimpleNamespace(data=args.data, train_size=None, test_size=None))
    judges = recipe.judges(data, types.SimpleNamespace(judges=recipe.JUDGES))
    model = getattr(keras_ae.models, class_name).from_preset(args.preset)
    start = time.time()
    waves, digits, speakers, takes = data.evaluation
    scores = keras_ae.evaluation.conversion_scores(model, judges, waves, digits, speakers,
                                                   takes, references=FLITE_VOICES)
    print(f"{args.preset} by the shipped judges ({time.time() - start:.0f} s): "
          + ", ".join(f"{k} {scores[k]:.4f}" for k in JUDGED), flush=True)
    metrics = metadata["metrics"]
    metadata["scored_by_run_judges"] = {f"{label}_{k}": metrics[f"{label}_{k}"] for k in JUDGED}
    metrics.update({f"{label}_{k}": round(float(scores[k]), 4) for k in JUDGED})
    notes = metadata["notes"]
    labels = [cell.strip() for cell in notes[1].split("\n")[0].split("|")[2:-2]]
    notes[1] = recipe.score_table(metrics, labels)
    others = [x for x in labels if x != label]
    old = metadata["scored_by_run_judges"]
    notes.insert(2, (
        f"The `{label}` column is scored by the shipped judges (`zoo/judges/fsdd_flite`, "
        f"`recipes/judges_fsdd_flite.py`), as printed by `python recipes/voice_rescore.py "
        f"{args.preset}`: the judges retrained in the run that made this preset, on its "
        f"machine, gave {old[f'{label}_target_share']:.3f} to the target and "
        f"{old[f'{label}_word_kept']:.3f} of digits kept (digit judge on the sources "
        f"{old[f'{label}_source_word_accuracy']:.3f})."
        + (f" The other columns ({', '.join(others)}: models trained beside it, not shipped) "
           "are still those judges' scores." if others else "")))
    with open(os.path.join(folder, "metadata.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(metadata, indent=2, sort_keys=True) + "\n")  # as presets.py
    common.write_card(folder, args.preset)
    print(f"Wrote {folder}/metadata.json and README.md")


if __name__ == "__main__":
    main()
