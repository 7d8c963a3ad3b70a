"""Tiny statistical models shipped with the audit engine (pure Python + numpy at run time).

Each model is three files next to this module: ``<name>.json`` (bias, threshold, provenance),
``<name>.vocab.txt`` (one character n-gram per line) and ``<name>.weights.bin`` (float16 weights
in vocabulary order). See ``ngram.py`` for the feature definition shared by training and inference.
"""
