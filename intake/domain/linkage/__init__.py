"""Finding testimonies of the same person (issue 20): what a testimony says about who gave
it (:mod:`.facts`), and the search for pairs that may be one person (the engine modules of
this package). Pure Python: nothing here touches the vault or Qt."""
