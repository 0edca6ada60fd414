"""Sentence models for English prose (the Gutenberg books).

The models take raw strings: a `keras_ae.text.WordPieceTokenizer` inside
them turns sentences into ids, so a preset needs nothing but text.
"""

import math

import keras

from keras_ae.layers import WeightedBagOfWords
from keras_ae.models import QuickThought

SEQUENCE_LENGTH = 128  # WordPieces a sentence; longer ones are cut (0.3% of the books' lines)
DIM = 1024  # of the fixed random projection: not saved, so free in the preset
ADAPTER_RANK = 32
SCALE = 10.0  # the largest logit: sentence vectors have norm sqrt(SCALE)


def quick_thought_encoder(vocabulary_size, dim=DIM, token_weights=None, token_dropout=0.0,
                          scale=SCALE, sequence_length=SEQUENCE_LENGTH,
                          adapter_rank=ADAPTER_RANK, name="encoder"):
    """Token ids → a sentence vector of norm `sqrt(scale)`.

    An IDF-weighted bag of WordPieces (`WeightedBagOfWords` over a fixed
    `dim`-d random projection with a trainable rank-`adapter_rank`
    correction, started with `token_weights`), made unit length and scaled,
    so that the inner products Quick-Thought turns into a softmax are
    cosines times `scale`. Started with IDF weights it is a random
    projection of TF-IDF over WordPieces; training moves the token weights
    and the correction. The preset stores only those: about
    `vocabulary_size * (adapter_rank + 1)` numbers.
    """
    ids = keras.Input((sequence_length,), dtype="int32", name="token_ids")
    h = WeightedBagOfWords(vocabulary_size, dim, token_weights=token_weights,
                           trainable_embeddings=False, seed=0, adapter_rank=adapter_rank,
                           token_dropout=token_dropout, name="bag_of_words")(ids)
    h = keras.layers.UnitNormalization(name="unit_length")(h)
    outputs = keras.layers.Rescaling(math.sqrt(scale), name="scale")(h)
    return keras.Model(ids, outputs, name=name)


def quick_thought(tokenizer, token_weights=None, dim=DIM, token_dropout=0.0, scale=SCALE):
    """Quick-Thought with one `quick_thought_encoder` as both f and g, as in
    the `quickthought_gutenberg` preset.

    Args:
        tokenizer: a `keras_ae.text.WordPieceTokenizer` with
            `sequence_length=SEQUENCE_LENGTH`.
        token_weights: None, or the IDF of every id
            (`keras_ae.text.inverse_document_frequency`).
    """
    encoder = quick_thought_encoder(tokenizer.vocabulary_size, dim, token_weights,
                                    token_dropout, scale, tokenizer.sequence_length)
    return QuickThought(encoder, encoder, context_size=1, tokenizer=tokenizer,
                        name="quick_thought")
