"""Data readers: STS/SICK/SNLI release formats, training files, the data folder and the demo corpus.

Every reader reports a malformed input as a `DataError` naming `path:line` and
what was expected, and counts whatever it skips (`skipped` and `notes` on
each result), so the trainer can warn instead of dropping rows silently.

Modules: `paths` (the data folder, `{data}`), `sts` (evaluation sets),
`text` (sentence files, CSV/TSV tables), `nli` (SNLI/MultiNLI, triplets,
labelled sentences), `training` (spec + objective -> TrainingData), `hub`
(Hugging Face datasets), `download` (writes the release layout), `demo`.
All use the standard library alone, so the UI may import them; `hub` and
`download` import `datasets` only inside the functions that need it.
"""

from trainers.data.paths import expand_data_path, resolve_data_dir, user_data_dir
from trainers.data.sts import DEFAULT_TASKS, STS_TASKS, STSSet, available_tasks, load_sts_task
from trainers.data.text import TrainingTable, read_sentences, read_table
from trainers.data.training import TrainingData, load_training_data

__all__ = [
    "DEFAULT_TASKS",
    "STS_TASKS",
    "STSSet",
    "TrainingData",
    "TrainingTable",
    "available_tasks",
    "expand_data_path",
    "load_sts_task",
    "load_training_data",
    "read_sentences",
    "read_table",
    "resolve_data_dir",
    "user_data_dir",
]
