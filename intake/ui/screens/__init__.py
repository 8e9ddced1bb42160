"""The full-window screens before the workspace: the first-run wizard, unlock, the first
passphrase of a new user and the recovery code."""
