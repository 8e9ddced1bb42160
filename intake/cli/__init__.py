"""The headless commands: the parser and main() in main.py, one module per command group."""
