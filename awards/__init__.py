"""The awards: programmes, entries, jury scoring and results."""
