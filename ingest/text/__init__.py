"""The text half of ingest: load, normalize, split into sections, chunk, tag."""
