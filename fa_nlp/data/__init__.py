"""Corpora and the records read from them, shared by every task.

Modules, in import order (each imports only those before it): `records` (Document, problem handling,
line reading), `corpora` (the catalog and fetch), `sources` (the one corpus-spec → files resolver),
`squad` and `readers` (files → records), `builds` (build keys, manifests, atomic publish), `card`
(dataset cards). Task-specific builders live in `fa_nlp.tasks.<task>`.
"""
