"""Data readers: STS/SICK/SNLI release formats, training files, the data folder and the demo corpus.

Every reader reports a malformed input as a `DataError` naming `path:line` and
what was expected, and counts whatever it skips. Everything here uses the
standard library alone (so the UI may import it), except `hub` and
`download`, which import `datasets` inside their functions.
"""
