"""The sealed containers records travel and rest in: transfer bundles and their files, backups."""
