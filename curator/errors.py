"""The whole exception tree. Every error curator raises is a CuratorError.

Third-party exceptions (httpx, feedparser, SQLAlchemy, YAML) are translated at
one choke point per adapter and chained with ``raise ... from e``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from curator.model import Draft


class CuratorError(Exception):
    """Base of every error curator raises."""

    default_message = "curator error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self.args[0])


class ConfigError(CuratorError):
    """A settings file or environment variable is invalid.

    ``path`` and ``line`` point at the offending place when known. A file with several
    problems raises one ConfigError for all of them: ``errors`` holds each (in the order of
    the file), the first gives ``path``, ``line`` and ``field``, and the message has one line
    per error.
    """

    default_message = "invalid configuration"

    def __init__(
        self,
        message: str | None = None,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.errors: tuple[ConfigError, ...] = (self,)
        where = path or ""
        if path and line:
            where = f"{path}:{line}"
        prefix = f"{where}: " if where else ""
        if field:
            prefix += f"{field}: "
        super().__init__(prefix + (message or self.default_message))

    @classmethod
    def several(cls, errors: Sequence[ConfigError]) -> ConfigError:
        """One error standing for ``errors`` (at least one), as told above."""
        if len(errors) == 1:
            return errors[0]
        first = errors[0]
        combined = cls(path=first.path, line=first.line, field=first.field)
        combined.args = ("\n".join(e.message for e in errors),)
        combined.errors = tuple(errors)
        return combined


class SourceError(CuratorError):
    """Something is wrong with one source; carries its id and url."""

    default_message = "source error"

    def __init__(
        self, message: str | None = None, *, source_id: str | None = None, url: str | None = None
    ) -> None:
        self.source_id = source_id
        self.url = url
        super().__init__(message)


class FetchError(SourceError):
    """An HTTP fetch failed (network, status, size, deadline, SSRF guard)."""

    default_message = "fetch failed"

    def __init__(
        self,
        message: str | None = None,
        *,
        url: str | None = None,
        status: int | None = None,
        source_id: str | None = None,
    ) -> None:
        self.status = status
        super().__init__(message, source_id=source_id, url=url)


class BlockedAddressError(FetchError):
    """The SSRF guard refused to connect to a private or reserved address."""

    default_message = "refused to connect to a private or reserved address"


class ResponseTooLargeError(FetchError):
    """The response body went over the configured size cap."""

    default_message = "response body is over the size cap"


class FeedParseError(SourceError):
    """A feed document could not be parsed into entries."""

    default_message = "could not parse feed"


class ExtractError(CuratorError):
    """Article extraction failed for one input."""

    default_message = "could not extract article"


class StoreError(CuratorError):
    """The database failed; wraps SQLAlchemy/driver errors."""

    default_message = "storage error"


class NoDatabaseError(StoreError):
    """The database is missing or has an older schema: `curator db upgrade` makes it."""

    default_message = "no database; run `curator db upgrade`"


class BusyError(CuratorError):
    """A single-node lock is held by another process (another fetch or daemon)."""

    default_message = "another process holds the lock"

    def __init__(self, message: str | None = None, *, pid: int | None = None) -> None:
        self.pid = pid
        super().__init__(message)


class NotFoundError(CuratorError, LookupError):
    """A looked-up object (source, entry, draft, ...) does not exist."""

    default_message = "not found"

    def __init__(self, message: str | None = None, *, object_id: str | None = None) -> None:
        self.object_id = object_id
        super().__init__(message or (f"not found: {object_id}" if object_id else None))


class PublishError(CuratorError):
    """Publishing to a target failed."""

    default_message = "publish failed"


class DraftError(CuratorError):
    """A draft operation was refused; carries the draft id."""

    default_message = "draft operation refused"

    def __init__(self, message: str | None = None, *, draft_id: int | None = None) -> None:
        self.draft_id = draft_id
        super().__init__(message)


class StaleVersionError(DraftError):
    """The draft changed since the version the caller based its change on; ``current``
    is the draft as it is now (when known), so a face can show the newer version."""

    default_message = "the draft was changed by someone else; reload it and try again"

    def __init__(
        self,
        message: str | None = None,
        *,
        draft_id: int | None = None,
        current: Draft | None = None,
    ) -> None:
        self.current = current
        super().__init__(message, draft_id=draft_id)


class InvalidTransitionError(DraftError):
    """The review state machine does not allow this change (e.g. approving twice)."""

    default_message = "this change is not allowed in the draft's current state"


class ApprovalBlockedError(DraftError):
    """A flagged draft (verbatim check or budget) cannot be approved without --force."""

    default_message = "the draft is flagged and cannot be approved without --force and a note"


class DraftFormatError(DraftError):
    """An edited draft (Markdown + YAML front matter) is not valid."""

    default_message = "the edited draft is not valid"


class UserError(CuratorError):
    """A web desk user cannot be added, changed or removed (bad name, exists, no such user,
    password too short); carries the name."""

    default_message = "user operation refused"

    def __init__(self, message: str | None = None, *, name: str | None = None) -> None:
        self.name = name
        super().__init__(message)


class LoginError(CuratorError):
    """A login was refused: unknown name or wrong password (the message does not say
    which), or too many failed attempts."""

    default_message = "wrong user name or password"
