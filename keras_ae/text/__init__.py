"""Text pipeline: WordPiece vocabularies and tokenization with tensorflow-text, and plain
word vocabularies."""

from keras_ae.text.idf import inverse_document_frequency
from keras_ae.text.tokenize_input import tokenize_input
from keras_ae.text.wordpiece import WordPieceTokenizer
from keras_ae.text.wordpiece import learn_wordpiece_vocabulary
from keras_ae.text.words import ENGLISH_STOP_WORDS
from keras_ae.text.words import content_word_positions
from keras_ae.text.words import learn_word_vocabulary
from keras_ae.text.words import word_ids
from keras_ae.text.words import word_key
from keras_ae.text.words import words

__all__ = ["ENGLISH_STOP_WORDS", "WordPieceTokenizer", "content_word_positions",
           "inverse_document_frequency", "learn_word_vocabulary",
           "learn_wordpiece_vocabulary", "tokenize_input", "word_ids", "word_key", "words"]
