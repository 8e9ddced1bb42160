"""services layer of intake (see docs/ARCHITECTURE.md)."""
