"""Typed errors. Each says what went wrong and what the user can do about it."""


class GroupguardError(Exception):
    """Base of every error groupguard raises on purpose."""


class ConfigError(GroupguardError):
    """A setting is missing or invalid."""


class InvalidEventError(GroupguardError):
    """An event does not match the schema. `where` names the line and field."""

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None):
        self.line = line
        self.field = field
        where = []
        if line is not None:
            where.append(f"line {line}")
        if field:
            where.append(f"field {field!r}")
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(prefix + message)


class MediaError(GroupguardError):
    """Media could not be read or decoded safely (corrupt, truncated, too large, a bomb)."""


class MediaAccessError(MediaError):
    """A media reference points somewhere groupguard will not read (outside the media root)."""


class InvalidHashError(GroupguardError):
    """A hash value has the wrong length or is not hex."""


class BankError(GroupguardError):
    """A bank does not exist, already exists, or a bank file cannot be read."""


class PolicyError(GroupguardError):
    """A policy file or rule expression is invalid."""


class NotFoundError(GroupguardError):
    """A record that was asked for does not exist."""


class PermissionDeniedError(GroupguardError):
    """The caller lacks the role or permission for this operation."""


class ReportError(GroupguardError):
    """A CyberTipline report cannot be built or sent."""
