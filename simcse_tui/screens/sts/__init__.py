"""The STS panel: pair similarity and whole STS sets by rank error."""
