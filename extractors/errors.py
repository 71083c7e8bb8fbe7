"""dossier's errors. Each carries the exit code the CLI maps it to, a fix-it hint, and
whether the same file should be retried later (the store was down) or quarantined (the
file itself is bad). The CLI is the one place that turns them into exit codes."""

from __future__ import annotations


class DossierError(Exception):
    exit_code = 1
    retry = False  # True: leave the file where it is and try again later

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(DossierError):
    """The command was called wrongly or the configuration is wrong."""

    exit_code = 2


class InputRejected(DossierError):
    """This file cannot be processed as it is: it goes to quarantine with the reason."""

    exit_code = 3


class StoreUnavailable(DossierError):
    """The archive store or catalogue could not be reached: the file stays in the inbox."""

    exit_code = 4
    retry = True


class SourceChanged(DossierError):
    """The file changed while it was being read (a scanner still writing): try again later."""

    exit_code = 4
    retry = True


class IntegrityError(DossierError):
    """What is stored is not what was recorded (missing, corrupt or orphaned objects)."""

    exit_code = 5


class AccessDenied(DossierError):
    """A decryption identity or permission is missing or wrong."""

    exit_code = 6
