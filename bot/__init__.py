"""The export-support assistant: retrieval chain, answerers, and the web and Slack channels."""
