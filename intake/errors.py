"""Typed errors that reach the user, each with its own message and exit code.

Messages are English source strings marked with ``N_()``; the CLI and the UI translate them
when they show them (``error.message()``). A message never contains an answer, a name or a
passphrase: only paths the user gave and counts.
"""

from __future__ import annotations

from enum import IntEnum

from intake.i18n import N_, _


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    DENIED = 3
    INTEGRITY = 4
    INVALID_INPUT = 5


class IntakeError(Exception):
    """Base of every error meant for the user."""

    template: str = N_("Something went wrong.")
    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, **params: object) -> None:
        super().__init__(self.template)
        self.params = params

    def message(self) -> str:
        """The message in the current language."""
        return _(self.template).format(**self.params)

    def __str__(self) -> str:  # English, for logs of ids and types only
        return f"{type(self).__name__}"


# -- denied (3) ---------------------------------------------------------------------------
class WrongPassphrase(IntakeError):
    # one answer for an unknown name and a wrong passphrase: the key file names no one
    template = N_("The user name or passphrase is not correct.")
    exit_code = ExitCode.DENIED


class WrongRecoveryCode(IntakeError):
    template = N_("The recovery code is not correct.")
    exit_code = ExitCode.DENIED


class UnknownUser(IntakeError):
    template = N_("There is no user with this name in the vault.")
    exit_code = ExitCode.DENIED


class VaultNeedsUpgrade(IntakeError):
    """A migration re-encrypts data under the identity key, which this slot lacks."""

    template = N_("This vault must first be upgraded to this version of the app. Ask an "
                  "administrator or a case manager to unlock it once; then you can open it.")
    exit_code = ExitCode.DENIED


class VaultWipedAfterFailures(IntakeError):
    template = N_("The passphrase was wrong {count} times in a row: as this vault was set "
                  "to do, it has been destroyed.")
    exit_code = ExitCode.DENIED


class PermissionDenied(IntakeError):
    """A role asked for something it may not do (the permission table in domain/permissions.py)."""

    template = N_("Your role ({role}) may not do this: {action}.")
    exit_code = ExitCode.DENIED

    def message(self) -> str:
        # role and action are English source labels (N_): translated when shown
        params = {key: _(value) if key in ("role", "action") and isinstance(value, str)
                  else value for key, value in self.params.items()}
        return _(self.template).format(**params)


# -- integrity or tamper (4) --------------------------------------------------------------
class KeySlotsMissing(IntakeError):
    template = N_(
        "The key file (keyslots.json) of the vault at {path} is missing. "
        "Restore it from a backup; the database cannot be opened without it."
    )
    exit_code = ExitCode.INTEGRITY


class KeySlotsDamaged(IntakeError):
    template = N_(
        "The key file (keyslots.json) of the vault at {path} is damaged or was edited. "
        "Nothing was changed. Restore it from a backup."
    )
    exit_code = ExitCode.INTEGRITY


class KeySlotsTampered(IntakeError):
    template = N_(
        "The key file (keyslots.json) of the vault at {path} was changed by someone "
        "without the vault's key. Nothing was changed. Restore it from a backup."
    )
    exit_code = ExitCode.INTEGRITY


class DatabaseMissing(IntakeError):
    template = N_(
        "The database (intake.db) of the vault at {path} is missing. Restore it from a backup."
    )
    exit_code = ExitCode.INTEGRITY


class DatabaseDamaged(IntakeError):
    template = N_(
        "The database (intake.db) of the vault at {path} is damaged or is not this vault's "
        "database. Nothing was changed. Restore it from a backup."
    )
    exit_code = ExitCode.INTEGRITY


class GenerationMismatch(IntakeError):
    template = N_(
        "The key file and the database of the vault at {path} do not belong together: "
        "an older copy of the {older} was put back. Restore both from the same backup, "
        "or continue only if you did this yourself."
    )
    exit_code = ExitCode.INTEGRITY

    KEY_FILE = N_("key file")
    DATABASE = N_("database")

    def message(self) -> str:
        return _(self.template).format(path=self.params["path"], older=_(str(self.params["older"])))


class AuditLogBroken(IntakeError):
    """An audit entry was changed, removed or is not the head the key file records.

    ``problem`` is one of the kinds below (``intake.vault.audit.Problem.kind``), put into
    words when shown; ``seq`` is the entry's number, as the audit listing shows it.
    """

    template = N_("Audit log broken at entry {seq}: {problem}.")
    exit_code = ExitCode.INTEGRITY

    PROBLEMS = {
        "hash": N_("its content was changed"),
        "link": N_("it does not follow from the entry before it"),
        "gap": N_("it is missing"),
        "head_missing": N_("the key file records it but the log ends before it"),
        "head_mismatch": N_("it is not the entry the key file records"),
    }

    def message(self) -> str:
        kind = str(self.params["problem"])
        words = _(self.PROBLEMS[kind]) if kind in self.PROBLEMS else kind
        return _(self.template).format(seq=self.params["seq"], problem=words)


# -- other errors (1) ---------------------------------------------------------------------
class VaultNotFound(IntakeError):
    template = N_("There is no vault at {path}. Create one first (intake init).")


class VaultExists(IntakeError):
    template = N_("There is already a vault at {path}. Nothing was changed.")


class VaultBusy(IntakeError):
    template = N_(
        "The vault at {path} is open in another intake window or command. Close it first."
    )


class VaultNotWritable(IntakeError):
    template = N_("The vault folder {path} cannot be written to. Check its permissions.")


class VaultTooNew(IntakeError):
    template = N_("The vault at {path} was made by a newer version of intake. Update intake.")


class UnsafeDatabaseEngine(IntakeError):
    template = N_(
        "The encrypted database engine is missing or misconfigured ({setting}). "
        "intake refuses to run without it."
    )


class Cancelled(IntakeError):
    """The user cancelled a long operation; it stopped before writing anything."""

    template = N_("Cancelled. Nothing was written.")


class StorageFailed(IntakeError):
    template = N_("The vault could not be written ({reason}). Nothing was lost; try again.")


# -- invalid input (5) --------------------------------------------------------------------
class InvalidInput(IntakeError):
    exit_code = ExitCode.INVALID_INPUT


class NewFileExists(InvalidInput):
    """A bundle, backup or decrypted copy is only ever written to a new file."""

    template = N_("{path} already exists; choose a new file name. Nothing was written.")


class PassphraseIsDuress(InvalidInput):
    template = N_("This passphrase cannot be used: choose another one.")


class PassphraseTooShort(InvalidInput):
    template = N_("The passphrase must be at least {minimum} characters long.")


class InvalidUserName(InvalidInput):
    template = N_(
        "A user name must be 1 to 64 letters, digits, dots, dashes or underscores."
    )


class PassphraseMissing(InvalidInput):
    template = N_("No passphrase was given on standard input.")
