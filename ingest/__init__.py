"""Ingest pipeline: documents in, a searchable index (Chroma + lexical sidecar + manifest) out."""
