"""Callbacks: TensorBoard images, audio, histograms, embeddings and sample summaries."""

from keras_ae.callbacks.code_sequence import CodeSequence
from keras_ae.callbacks.code_sequence import code_image
from keras_ae.callbacks.conversion_audio import ConversionAudio
from keras_ae.callbacks.embedding_projector import EmbeddingProjector
from keras_ae.callbacks.next_sentence_retrieval import NextSentenceRetrieval
from keras_ae.callbacks.reconstruction_images import ReconstructionImages
from keras_ae.callbacks.reconstruction_images import image_grid
from keras_ae.callbacks.representation_histogram import RepresentationHistogram
from keras_ae.callbacks.sample_summaries import SampleSummaries

__all__ = [
    "CodeSequence",
    "ConversionAudio",
    "EmbeddingProjector",
    "NextSentenceRetrieval",
    "ReconstructionImages",
    "RepresentationHistogram",
    "SampleSummaries",
    "code_image",
    "image_grid",
]
