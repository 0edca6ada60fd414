"""Callbacks: TensorBoard images, audio, histograms and embeddings."""

from keras_ae.callbacks.conversion_audio import ConversionAudio
from keras_ae.callbacks.embedding_projector import EmbeddingProjector
from keras_ae.callbacks.next_sentence_retrieval import NextSentenceRetrieval
from keras_ae.callbacks.reconstruction_images import ReconstructionImages
from keras_ae.callbacks.reconstruction_images import image_grid
from keras_ae.callbacks.representation_histogram import RepresentationHistogram

__all__ = [
    "ConversionAudio",
    "EmbeddingProjector",
    "NextSentenceRetrieval",
    "ReconstructionImages",
    "RepresentationHistogram",
    "image_grid",
]
