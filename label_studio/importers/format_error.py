"""The error a file reader raises when a file's content does not fit its format."""


class FileFormatError(ValueError):
    """The message says what is wrong; the caller adds the file name."""
