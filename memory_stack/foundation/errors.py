"""Errors that users see: bad input (exit status 2) versus failures (exit status 1)."""


class BadInputError(ValueError):
    """Input the user can fix: a file, field, topic or argument is wrong. Message names which."""


class NotImplementedYetError(BadInputError):
    """A command whose capability has not landed yet."""
