"""The terminal side of simcse-tui: the Textual app and the headless CLI.

Never imports torch, transformers or datasets: the UI starts instantly and
cannot be frozen by training. Work that needs torch runs in `trainers`
subprocesses that talk back through JSON (events files and the embedding
worker's line protocol).
"""

__version__ = "0.1.0"
