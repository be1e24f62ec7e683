"""The one error of back-up and restore."""


class BackupError(Exception):
    """A back-up or restore that cannot go on; the message says why, in Dutch."""
