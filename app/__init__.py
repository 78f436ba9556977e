"""shopassist: the service (settings, wiring, API, assistant, copywriter, UIs, CLI)."""

__version__ = "0.1.0"
