"""The demo generator: invented testimonies for demonstrations, training, load tests and the
screenshots (``intake demo``)."""
