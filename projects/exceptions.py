class DomainError(Exception):
    """A business rule refused an operation. The message is French and shown to users as is."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return str(self.message)


class TransitionNotAllowed(DomainError):
    pass


class PermissionRefused(DomainError):
    pass


class EnvelopeExceeded(DomainError):
    pass
