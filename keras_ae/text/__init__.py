"""Text pipeline: WordPiece vocabularies and tokenization with tensorflow-text."""

from keras_ae.text.idf import inverse_document_frequency
from keras_ae.text.tokenize_input import tokenize_input
from keras_ae.text.wordpiece import WordPieceTokenizer
from keras_ae.text.wordpiece import learn_wordpiece_vocabulary

__all__ = ["WordPieceTokenizer", "inverse_document_frequency", "learn_wordpiece_vocabulary",
           "tokenize_input"]
