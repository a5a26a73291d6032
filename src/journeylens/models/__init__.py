"""Models fitted on the data (DESIGN "intelligence layer"): personas for now.

A model may run scikit-learn on features built in the engine; like ``analyses/`` it reads
``Tables`` only, never the store, and its per-person results are saved by
``store/person_results.py``.
"""
