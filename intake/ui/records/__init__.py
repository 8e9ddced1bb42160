"""The workspace over the testimonies: the list and its model, review, consent, attachments
and the case file."""
