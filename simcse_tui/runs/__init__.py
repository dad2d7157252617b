"""The UI's model of training runs: no Textual here.

`model` folds events into a `RunState`; `watcher` finds run folders and tails
their events; `launcher` starts, stops and resumes workers; `checkpoints`
lists what can be queried or exported; `presets` reads launch presets.
"""
