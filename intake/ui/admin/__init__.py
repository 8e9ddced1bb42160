"""The administration dialogs: users, the audit log and the security settings."""
