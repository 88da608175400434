"""Errors the engine reports to people, not to programmers.

An InputError carries a one-line message that names the file and the problem; the CLI prints it and
exits with code 2, the editor shows it in a dialog. Anything else escaping the engine is a bug.
"""


class InputError(ValueError):
    """Bad user input (file, argument, model folder): the message is shown as is."""

    def __init__(self, message: str, path=None):
        self.path = str(path) if path is not None else None
        super().__init__(f"{path}: {message}" if path is not None else message)
