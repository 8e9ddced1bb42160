"""Recording an interview: the microphone (capture.py) encoded in memory (opus_stream.py)."""
