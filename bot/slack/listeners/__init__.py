"""Bolt listeners, one module per kind of request; each module has one `register(app, ...)`."""
