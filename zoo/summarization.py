"""The summarizer's networks: an ordered pointer, a reconstructor and a discriminator."""

import keras
from keras import ops

from keras_ae.layers import OrderedPointer
from keras_ae.models import Seq2Seq2SeqSummarizer


def reconstructor(vocabulary_size, embedding_dim=128, units=256, name="reconstructor"):
    """`[summary_ids, summary_mask, decoder_ids, decoder_mask] -> logits`.

    A bidirectional GRU reads the summary; a GRU decoder, started from the
    summary's mean encoding, reads the document's words shifted right by one
    and attends over the summary: causal in the document, so each word's
    logits `(vocabulary_size,)` see only the words before it.
    """
    summary = keras.Input((None,), dtype="int32", name="summary_ids")
    summary_mask = keras.Input((None,), name="summary_mask")
    decoder_ids = keras.Input((None,), dtype="int32", name="decoder_ids")
    decoder_mask = keras.Input((None,), name="decoder_mask")
    s_bool, d_bool = ops.cast(summary_mask, "bool"), ops.cast(decoder_mask, "bool")
    embed = keras.layers.Embedding(vocabulary_size, embedding_dim, name="embedding")
    encoded = keras.layers.Bidirectional(
        keras.layers.GRU(units // 2, return_sequences=True), name="summary_encoder")(
            embed(summary), mask=s_bool)
    weights = ops.expand_dims(summary_mask, -1)
    pooled = ops.sum(encoded * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)
    state = keras.layers.Dense(units, activation="tanh", name="initial_state")(pooled)
    decoded = keras.layers.GRU(units, return_sequences=True, name="decoder")(
        embed(decoder_ids), initial_state=state, mask=d_bool)
    context = keras.layers.Attention(name="attention")([decoded, encoded],
                                                       mask=[d_bool, s_bool])
    hidden = keras.layers.Dense(units, activation="tanh", name="combine")(
        ops.concatenate([decoded, context], axis=-1))
    logits = keras.layers.Dense(vocabulary_size, name="logits")(hidden)
    return keras.Model([summary, summary_mask, decoder_ids, decoder_mask], logits, name=name)


def discriminator(vocabulary_size, embedding_dim=128, units=256, name="discriminator"):
    """`[summary_ids, summary_mask] -> logits`, one per word: a GRU reads the words in
    order, so a word's score sees only the words up to it."""
    ids = keras.Input((None,), dtype="int32", name="summary_ids")
    mask = keras.Input((None,), name="summary_mask")
    h = keras.layers.Embedding(vocabulary_size, embedding_dim, name="embedding")(ids)
    h = keras.layers.GRU(units, return_sequences=True, name="reader")(
        h, mask=ops.cast(mask, "bool"))
    logits = keras.layers.Dense(1, name="score")(h)[:, :, 0] * mask
    return keras.Model([ids, mask], logits, name=name)


def summarizer(vocabulary, document_length=64, max_length=10, min_length=1, embedding_dim=128,
               units=256, seed=0, **kwargs):
    """`Seq2Seq2SeqSummarizer` with these networks (as in the `summarizer_*` presets)."""
    size = len(vocabulary)
    generator = OrderedPointer(size, max_document_length=document_length, max_length=max_length,
                               min_length=min_length, embedding_dim=embedding_dim, units=units,
                               seed=seed, name="generator")
    return Seq2Seq2SeqSummarizer(
        generator, reconstructor(size, embedding_dim, units), discriminator(size, embedding_dim,
                                                                           units),
        vocabulary=list(vocabulary), document_length=document_length,
        name="seq2seq2seq_summarizer", **kwargs)
