"""The platform event schema, version 1.

A platform sends what it can see without breaking end-to-end encryption: accounts and
their profile photos, groups and their names, descriptions and icons, memberships,
admin changes, invite links, and user reports with what the reporter's client forwarded.
docs/events.md documents it; `groupguard schema` exports the JSON Schema.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from groupguard.errors import InvalidEventError

SCHEMA_VERSION = 1

# Group limits of the modelled messenger; longer values are accepted but flagged as invalid.
MAX_GROUP_NAME = 100
MAX_GROUP_DESCRIPTION = 2048
MAX_FORWARDED_MESSAGES = 10


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MediaRef(_Model):
    """Media by reference: exactly one of a path under the media root, an http(s) URL
    the platform serves, or inline base64 (icons only, up to a configured size)."""

    path: str | None = None
    url: str | None = None
    data_base64: str | None = None
    mime: str | None = None

    @model_validator(mode="after")
    def _exactly_one_source(self) -> MediaRef:
        given = [n for n in ("path", "url", "data_base64") if getattr(self, n)]
        if len(given) != 1:
            raise ValueError("media needs exactly one of path, url, data_base64")
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ValueError("media url must be http or https")
        if self.data_base64:
            try:
                base64.b64decode(self.data_base64, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValueError("data_base64 is not valid base64") from exc
        return self

    def inline_bytes(self) -> bytes | None:
        return base64.b64decode(self.data_base64) if self.data_base64 else None

    def describe(self) -> str:
        if self.path:
            return f"path:{self.path}"
        if self.url:
            return f"url:{self.url}"
        return "inline"


class _EventBase(_Model):
    id: str = Field(
        min_length=1, max_length=200, description="Unique event id; ingest dedupes on it"
    )
    ts: datetime = Field(description="When it happened on the platform (ISO 8601)")
    actor: str | None = Field(
        description="Account id that caused the event; null only for platform-side events"
    )
    v: int = Field(default=SCHEMA_VERSION, description="Schema version")


class AccountRegistered(_EventBase):
    type: Literal["account.registered"]
    account_id: str = Field(min_length=1)
    phone: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$", description="E.164")
    display_name: str | None = Field(default=None, max_length=200)


class ProfilePhotoSet(_EventBase):
    type: Literal["account.profile_photo_set"]
    account_id: str = Field(min_length=1)
    photo: MediaRef | None = Field(description="null removes the photo")


class GroupCreated(_EventBase):
    type: Literal["group.created"]
    group_id: str = Field(min_length=1)
    name: str = Field(max_length=MAX_GROUP_NAME)
    description: str | None = Field(default=None, max_length=MAX_GROUP_DESCRIPTION)
    icon: MediaRef | None = None


class GroupUpdated(_EventBase):
    """Only the fields present changed; the actor is who changed them."""

    type: Literal["group.updated"]
    group_id: str = Field(min_length=1)
    name: str | None = Field(default=None, max_length=MAX_GROUP_NAME)
    description: str | None = Field(default=None, max_length=MAX_GROUP_DESCRIPTION)
    icon: MediaRef | None = None

    @model_validator(mode="after")
    def _something_changed(self) -> GroupUpdated:
        if self.name is None and self.description is None and self.icon is None:
            raise ValueError("group.updated needs at least one of name, description, icon")
        return self


class MemberAdded(_EventBase):
    type: Literal["member.added"]
    group_id: str = Field(min_length=1)
    account_id: str = Field(min_length=1)
    role: Literal["member", "admin", "creator"] = "member"
    invite_token: str | None = Field(default=None, description="Set when joined by invite link")


class MemberRemoved(_EventBase):
    type: Literal["member.removed"]
    group_id: str = Field(min_length=1)
    account_id: str = Field(min_length=1)
    reason: Literal["left", "removed", "banned"] = "left"


class AdminGranted(_EventBase):
    type: Literal["admin.granted"]
    group_id: str = Field(min_length=1)
    account_id: str = Field(min_length=1)


class AdminRevoked(_EventBase):
    type: Literal["admin.revoked"]
    group_id: str = Field(min_length=1)
    account_id: str = Field(min_length=1)


class InviteCreated(_EventBase):
    type: Literal["invite.created"]
    group_id: str = Field(min_length=1)
    token: str = Field(min_length=4, max_length=200)


class InviteRevoked(_EventBase):
    type: Literal["invite.revoked"]
    group_id: str = Field(min_length=1)
    token: str = Field(min_length=4, max_length=200)


class InviteUsed(_EventBase):
    """An account opened an invite link; `seen_in_group` is where the link was posted,
    when the platform knows (a link passed from one group to another)."""

    type: Literal["invite.used"]
    group_id: str = Field(min_length=1)
    token: str = Field(min_length=4, max_length=200)
    account_id: str = Field(min_length=1)
    seen_in_group: str | None = None


class ForwardedMessage(_Model):
    """A message the reporter's own client forwarded with the report (about five)."""

    sender: str | None = None
    ts: datetime | None = None
    text: str | None = Field(default=None, max_length=65536)
    media: MediaRef | None = None


class ReportFiled(_EventBase):
    type: Literal["report.filed"]
    reporter: str = Field(min_length=1)
    target_account: str | None = None
    target_group: str | None = None
    reason: str = Field(default="other", max_length=200)
    messages: list[ForwardedMessage] = Field(
        default_factory=list, max_length=MAX_FORWARDED_MESSAGES
    )

    @model_validator(mode="after")
    def _has_target(self) -> ReportFiled:
        if not self.target_account and not self.target_group:
            raise ValueError("report needs target_account or target_group")
        return self


Event = Annotated[
    AccountRegistered
    | ProfilePhotoSet
    | GroupCreated
    | GroupUpdated
    | MemberAdded
    | MemberRemoved
    | AdminGranted
    | AdminRevoked
    | InviteCreated
    | InviteRevoked
    | InviteUsed
    | ReportFiled,
    Field(discriminator="type"),
]

EVENT_TYPES: tuple[str, ...] = (
    "account.registered",
    "account.profile_photo_set",
    "group.created",
    "group.updated",
    "member.added",
    "member.removed",
    "admin.granted",
    "admin.revoked",
    "invite.created",
    "invite.revoked",
    "invite.used",
    "report.filed",
)

_adapter: TypeAdapter[Any] = TypeAdapter(Event)


def _field_path(loc: tuple[Any, ...]) -> str:
    # pydantic puts the discriminator tag first in the location; readers want the field.
    parts = [str(p) for p in loc]
    if parts and parts[0] in EVENT_TYPES:
        parts = parts[1:]
    return ".".join(parts) or "type"


def parse_event(data: Any, *, line: int | None = None) -> Event:
    """Validate one event (a dict or a JSON string). Raises InvalidEventError naming the
    line and the first offending field."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InvalidEventError(f"not valid JSON: {exc.msg}", line=line) from exc
    if not isinstance(data, dict):
        raise InvalidEventError("an event must be a JSON object", line=line)
    if "type" not in data:
        raise InvalidEventError("missing event type", line=line, field="type")
    if data["type"] not in EVENT_TYPES:
        raise InvalidEventError(
            f"unknown event type {data['type']!r}; known: {', '.join(EVENT_TYPES)}",
            line=line,
            field="type",
        )
    try:
        return _adapter.validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InvalidEventError(err["msg"], line=line, field=_field_path(err["loc"])) from exc


def event_json_schema() -> dict[str, Any]:
    schema = _adapter.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"groupguard platform event v{SCHEMA_VERSION}"
    return schema


def event_to_dict(event: Event) -> dict[str, Any]:
    return event.model_dump(mode="json", exclude_none=True)
