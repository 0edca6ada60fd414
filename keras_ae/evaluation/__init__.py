"""Evaluation of learned representations."""

from keras_ae.evaluation.linear_probe import linear_probe
from keras_ae.evaluation.next_sentence_retrieval import next_sentence_retrieval
from keras_ae.evaluation.next_sentence_retrieval import random_word_vectors_embedder
from keras_ae.evaluation.next_sentence_retrieval import tfidf_embedder
from keras_ae.evaluation.pooled_features import pooled_features

__all__ = [
    "linear_probe",
    "next_sentence_retrieval",
    "pooled_features",
    "random_word_vectors_embedder",
    "tfidf_embedder",
]
