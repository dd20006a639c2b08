"""The index half of ingest: build a generation, lexical sidecar, Chroma stores, manifest, the reader bot/ opens."""
