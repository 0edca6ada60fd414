"""Callbacks: schedules of layers' state, and TensorBoard images, histograms and embeddings."""

from keras_ae.callbacks.embedding_projector import EmbeddingProjector
from keras_ae.callbacks.next_sentence_retrieval import NextSentenceRetrieval
from keras_ae.callbacks.reconstruction_images import ReconstructionImages
from keras_ae.callbacks.reconstruction_images import image_grid
from keras_ae.callbacks.representation_histogram import RepresentationHistogram

__all__ = [
    "EmbeddingProjector",
    "NextSentenceRetrieval",
    "ReconstructionImages",
    "RepresentationHistogram",
    "image_grid",
]
