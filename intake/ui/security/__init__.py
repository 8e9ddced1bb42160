"""ui/security layer of intake (see docs/ARCHITECTURE.md)."""
