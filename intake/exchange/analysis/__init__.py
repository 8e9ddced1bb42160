"""What the exchange layer computes from records before they leave: anonymization, statistics,
redaction and quotes, romanization."""
