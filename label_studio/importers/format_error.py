"""The error a file reader raises when a file's content does not fit its format."""


class FileFormatError(ValueError):
    """`whole` messages are legacy texts that name the file already; others get its name."""

    def __init__(self, message, whole=False):
        super().__init__(message)
        self.whole = whole

    def message_for(self, name):
        return str(self) if self.whole else f"Failed to parse input file {name}: {self}"
