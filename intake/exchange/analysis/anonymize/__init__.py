"""The anonymization core of the anonymized export (docs/export.md, pipeline steps 1–5).

Pure functions over records: no Qt, no database, no files. ``pipeline.anonymize`` runs the
consent filter (``select``), pseudonymization (``pseudonym``), generalization
(``generalize``), the optimal k-anonymity lattice search (``lattice``) with distinct
l-diversity (``diversity``) and returns the rows and the risk figures.
"""
