"""End-to-end workflows built on the CLI and the adapters (the top layer: they may import
anything; nothing imports them but tests and scripts):

- :mod:`.demo`: ``make demo``, the whole method in miniature;
- :mod:`.pretrain`: the tiny hearing base (captions of synthetic clips, through ``trl sft``);
- :mod:`.tiny_recipe`: the tiny recipes' shared steps (suite, model, ``trl`` runs, evaluation).
"""
