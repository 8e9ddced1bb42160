"""Small pieces every room shares: the worker, busy and progress, dialogs, file choice, errors,
headings, fonts, the theme and the passphrase fields."""
