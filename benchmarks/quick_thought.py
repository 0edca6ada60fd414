"""Training speed of Quick-Thought against Skip-Thought: sentences per second.

The paper's main claim (Logeswaran & Lee 2018): replacing Skip-Thought's
decoders (a softmax over the vocabulary for every word of both neighbours)
by a classifier over the batch trains an order of magnitude faster. Both
models here use the same encoder architecture (a GRU over WordPiece
embeddings; Quick-Thought has two of them, f and g, as in the paper), the
same tokenizer and the same batches of contiguous Gutenberg sentences.
Skip-Thought is the baseline: the ratio is Quick-Thought's speed over it.

    python benchmarks/quick_thought.py [--batch 128] [--steps 10] [--units 256]

Needs the Gutenberg books (`--data`, `$KERAS_AE_DATA` or the usual places).
Both train on the TensorFlow backend only.
"""

import argparse
import time

import keras

from keras_ae.data import gutenberg
from keras_ae.data import sentence_batches
from keras_ae.models import QuickThought
from keras_ae.models import SkipThought
from keras_ae.text import WordPieceTokenizer
from keras_ae.text import learn_wordpiece_vocabulary


def gru_encoder(vocabulary_size, length, units, name):
    ids = keras.Input((length,), dtype="int32")
    h = keras.layers.Embedding(vocabulary_size, units, mask_zero=True)(ids)
    return keras.Model(ids, keras.layers.GRU(units)(h), name=name)


def sentences_per_second(model, batches, batch, steps, jit):
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit)
    model.fit(batches.take(2), epochs=1, verbose=0)  # trace and warm up
    start = time.perf_counter()
    model.fit(batches.take(steps), epochs=1, verbose=0)
    return batch * steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--length", type=int, default=40, help="tokens kept per sentence")
    parser.add_argument("--vocabulary", type=int, default=8000)
    parser.add_argument("--data", default=None, help="the gutenberg folder")
    args = parser.parse_args()

    books = gutenberg(["austen-emma", "melville-moby_dick"], path=args.data)
    corpus = [s for book in books.values() for s in book]
    tokenizer = WordPieceTokenizer(learn_wordpiece_vocabulary(corpus, args.vocabulary),
                                   sequence_length=args.length)
    batches = sentence_batches(books, args.batch).map(tokenizer).cache().repeat()
    vocabulary = tokenizer.vocabulary_size
    print(f"backend={keras.backend.backend()} batch={args.batch} steps={args.steps} "
          f"units={args.units} length={args.length} vocabulary={vocabulary}")
    print(f"{'model':30s} {'sentences/s':>12s} {'ratio to Skip-Thought':>22s}")
    for jit in (False, True):
        keras.utils.set_random_seed(0)
        skip = SkipThought(gru_encoder(vocabulary, args.length, args.units, "encoder"),
                           vocabulary_size=vocabulary, embedding_dim=args.units)
        base = sentences_per_second(skip, batches, args.batch, args.steps, jit)
        print(f"{'Skip-Thought, jit=' + str(jit):30s} {base:12.1f} {1.0:22.2f}", flush=True)
        keras.utils.set_random_seed(0)
        quick = QuickThought(gru_encoder(vocabulary, args.length, args.units, "f"))
        ours = sentences_per_second(quick, batches, args.batch, args.steps, jit)
        print(f"{'Quick-Thought, jit=' + str(jit):30s} {ours:12.1f} {ours / base:22.2f}",
              flush=True)


if __name__ == "__main__":
    main()
