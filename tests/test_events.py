import pytest

from groupguard.errors import InvalidEventError
from groupguard.events import event_json_schema, parse_event

BASE = {"id": "e1", "ts": "2026-01-01T00:00:00Z", "actor": "a1"}


def test_parses_group_created_with_inline_icon():
    ev = parse_event({**BASE, "type": "group.created", "group_id": "g1", "name": "Hiking",
                      "icon": {"data_base64": "aGVsbG8="}})
    assert ev.group_id == "g1" and ev.icon.inline_bytes() == b"hello"


def test_unknown_type_names_the_field():
    with pytest.raises(InvalidEventError) as info:
        parse_event({**BASE, "type": "group.exploded"}, line=7)
    assert info.value.line == 7 and info.value.field == "type"


def test_missing_field_is_named():
    with pytest.raises(InvalidEventError) as info:
        parse_event({**BASE, "type": "member.added", "group_id": "g1"})
    assert info.value.field == "account_id"


def test_malformed_json_is_a_clear_error():
    with pytest.raises(InvalidEventError, match="not valid JSON"):
        parse_event('{"id": ', line=3)


def test_media_needs_exactly_one_source():
    with pytest.raises(InvalidEventError, match="exactly one"):
        parse_event({**BASE, "type": "account.profile_photo_set", "account_id": "a1",
                     "photo": {"path": "a.jpg", "url": "https://x/a.jpg"}})


def test_report_needs_a_target():
    with pytest.raises(InvalidEventError, match="target"):
        parse_event({**BASE, "type": "report.filed", "reporter": "a2"})


def test_json_schema_lists_every_type():
    schema = event_json_schema()
    assert len(schema["oneOf"]) == 12
