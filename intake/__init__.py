"""intake: secure, offline-first recording of testimonies of forced labour."""

__version__ = "0.1.0"
