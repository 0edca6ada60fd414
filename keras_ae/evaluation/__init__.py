"""Evaluation of learned representations, of converted speech and of summaries."""

from keras_ae.evaluation.discrete_codes import abx_error
from keras_ae.evaluation.discrete_codes import bag_of_codes
from keras_ae.evaluation.discrete_codes import bitrate
from keras_ae.evaluation.discrete_codes import code_phone_mapping
from keras_ae.evaluation.discrete_codes import kmeans
from keras_ae.evaluation.discrete_codes import nearest_centroid
from keras_ae.evaluation.linear_probe import linear_probe
from keras_ae.evaluation.mel_cepstral_distortion import dtw_path
from keras_ae.evaluation.mel_cepstral_distortion import mean_mel_cepstral_distortion
from keras_ae.evaluation.mel_cepstral_distortion import mel_cepstral_distortion
from keras_ae.evaluation.mel_cepstral_distortion import mel_cepstrum
from keras_ae.evaluation.next_sentence_retrieval import next_sentence_retrieval
from keras_ae.evaluation.next_sentence_retrieval import random_word_vectors_embedder
from keras_ae.evaluation.next_sentence_retrieval import tfidf_embedder
from keras_ae.evaluation.pooled_features import pooled_features
from keras_ae.evaluation.speech_classifier import SpeechClassifier
from keras_ae.evaluation.summarization import ENGLISH_STOP_WORDS
from keras_ae.evaluation.summarization import bigram_perplexity
from keras_ae.evaluation.summarization import content_word_positions
from keras_ae.evaluation.summarization import lead
from keras_ae.evaluation.summarization import lead_without_stopwords
from keras_ae.evaluation.summarization import rouge
from keras_ae.evaluation.summarization import word_tokens
from keras_ae.evaluation.voice_conversion import ConversionJudges
from keras_ae.evaluation.voice_conversion import content_probe
from keras_ae.evaluation.voice_conversion import conversion_scores
from keras_ae.evaluation.voice_conversion import evaluation_pairs

__all__ = [
    "abx_error",
    "bag_of_codes",
    "bitrate",
    "code_phone_mapping",
    "kmeans",
    "nearest_centroid",
    "ConversionJudges",
    "SpeechClassifier",
    "content_probe",
    "conversion_scores",
    "evaluation_pairs",
    "dtw_path",
    "linear_probe",
    "mean_mel_cepstral_distortion",
    "mel_cepstral_distortion",
    "mel_cepstrum",
    "next_sentence_retrieval",
    "pooled_features",
    "random_word_vectors_embedder",
    "tfidf_embedder",
    "ENGLISH_STOP_WORDS",
    "bigram_perplexity",
    "content_word_positions",
    "lead",
    "lead_without_stopwords",
    "rouge",
    "word_tokens",
]
