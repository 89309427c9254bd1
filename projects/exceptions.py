from django.utils.translation import ngettext


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


class SelectionRefused(DomainError):
    """A bulk approval refused as a whole; `failures` lists (application reference, reason)."""

    def __init__(self, failures: list[tuple[str, str]]):
        self.failures = failures
        summary = ngettext(
            "Aucun dossier n’a été retenu : %(count)d validation est refusée.",
            "Aucun dossier n’a été retenu : %(count)d validations sont refusées.",
            len(failures),
        ) % {"count": len(failures)}
        details = " ".join(f"{reference} : {reason}" for reference, reason in failures)
        super().__init__(f"{summary} {details}")
