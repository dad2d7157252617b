"""The query panel: nearest corpus sentences under one or two checkpoints."""
