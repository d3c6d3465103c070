"""NCMEC hash sharing through python-threatexchange's NCMECHashAPI client.

What we know about that API and client, and what we do about it:
- Entries do not come back in time order (ThreatExchange #1105), so maxTimestamp is no
  checkpoint: we fetch a closed range [from, to) to exhaustion and only then store `to`.
  A sync that stops midway fetches the same range again next time (adds are idempotent).
- The client formats `from`/`to` with datetime.fromtimestamp (local time) but labels them
  UTC ("...Z"); on a host whose clock is not in UTC that shifts the range by the offset.
  We hand it timestamps pre-shifted so that the local rendering is the UTC time.
- The client has no base-URL override; for a test or proxy endpoint we set its base URL.
- NCMEC MD5s are of the file bytes (image or video) and match our md5 signal; PDQ is given
  for images; other fingerprints (SHA-1, PhotoDNA, ...) are not used here.
- A deleted entry arrives as <deletedImage>/<deletedVideo>: its entries are tombstoned.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

from groupguard.banks.exchanges import Batch, Update
from groupguard.errors import BankError

FINGERPRINTS = {"md5": "md5", "pdq": "pdq"}


def client_timestamp(ts: int) -> int:
    """Shift `ts` so that the client's local-time formatting prints its UTC time."""
    offset = datetime.fromtimestamp(ts).astimezone().utcoffset()
    return ts - int(offset.total_seconds()) if offset else ts


class NcmecExchange:
    name = "ncmec"

    def __init__(self, *, endpoint: str | None = None, user: str | None = None,
                 password: str | None = None, environment: str = "Industry",
                 clock=time.time):  # type: ignore[no-untyped-def]
        self.clock = clock
        try:
            from threatexchange.exchanges.clients.ncmec import hash_api
        except ImportError as exc:
            raise BankError("NCMEC sync needs python-threatexchange "
                            "(pip install threatexchange)") from exc
        if not (user and password):
            raise BankError("NCMEC sync needs credentials: set GROUPGUARD_NCMEC_USER and "
                            "GROUPGUARD_NCMEC_PASSWORD")
        try:
            env = hash_api.NCMECEnvironment[environment]
        except KeyError:
            raise BankError(f"unknown NCMEC environment {environment!r}") from None
        self.api = hash_api.NCMECHashAPI(user, password, env)
        if endpoint:
            self.api._base_url = endpoint.rstrip("/")

    def fetch(self, checkpoint: dict | None) -> Iterator[Batch]:
        start = int((checkpoint or {}).get("to", 0))
        # A few seconds back from now: entries still being written are left for next time.
        end = int(self.clock()) - 5
        if end <= start:
            return
        pages = self.api.get_entries_iter(start_timestamp=client_timestamp(start),
                                          end_timestamp=client_timestamp(end))
        for page in pages:
            yield Batch([self._update(u) for u in page.updates])
        yield Batch([], checkpoint={"to": end})

    @staticmethod
    def _update(entry) -> Update:  # type: ignore[no-untyped-def]
        key = f"ncmec:{entry.member_id}-{entry.id}"
        if entry.deleted:
            return Update(key, [], deleted=True)
        items = [(FINGERPRINTS[k.lower()], v.strip()) for k, v in entry.fingerprints.items()
                 if k.lower() in FINGERPRINTS and v]
        if entry.entry_type.value == "video":
            items = [i for i in items if i[0] == "md5"]
        tags = [f"ncmec_member:{entry.member_id}", f"ncmec_{entry.entry_type.value}"]
        if entry.classification:
            tags.append(f"ncmec_class:{entry.classification}")
        return Update(key, items, tags)
