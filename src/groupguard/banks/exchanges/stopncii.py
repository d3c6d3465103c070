"""StopNCII.org through python-threatexchange's StopNCIIAPI client.

- Records are snapshots: a later record for the same (signalType, hashValue) replaces the
  earlier one; hashStatus Withdrawn or Deleted means the hash must go (tombstoned here).
- Only ImagePDQ (-> pdq) and VideoMD5 (-> md5 of the file bytes) are used.
- The checkpoint is the last page's nextSetTimestamp, stored once the pages run out.
- Known client issues: a malformed JSON page raised before per-record skipping and wedged
  HMA's fetch (ThreatExchange #2004, fixed on StopNCII's side); we report the error and
  keep the old checkpoint. submit_hashes sends str(enum) as signalType; we do not submit.
"""

from __future__ import annotations

from collections.abc import Iterator

from groupguard.banks.exchanges import Batch, Update
from groupguard.errors import BankError

SIGNALS = {"ImagePDQ": "pdq", "VideoMD5": "md5"}
GONE = {"Withdrawn", "Deleted"}


class StopNciiExchange:
    name = "stopncii"

    def __init__(self, *, endpoint: str | None = None, key: str | None = None,
                 fetch_key: str | None = None):
        try:
            from threatexchange.exchanges.clients.stopncii import api
        except ImportError as exc:
            raise BankError("StopNCII sync needs python-threatexchange "
                            "(pip install threatexchange)") from exc
        if not (key and fetch_key):
            raise BankError("StopNCII sync needs credentials: set GROUPGUARD_STOPNCII_KEY "
                            "(subscription key) and GROUPGUARD_STOPNCII_FETCH_KEY")
        self._default_start = api.StopNCIIAPI.DEFAULT_START_TIME
        self.api = api.StopNCIIAPI(key, fetch_key, base_url_override=endpoint.rstrip("/")
                                   if endpoint else None)

    def fetch(self, checkpoint: dict | None) -> Iterator[Batch]:
        start = int((checkpoint or {}).get("since", self._default_start))
        last = None
        for page in self.api.fetch_hashes_iter(start_timestamp=start):
            last = page.nextSetTimestamp
            yield Batch([u for u in map(self._update, page.hashRecords) if u is not None])
        if last is not None:
            yield Batch([], checkpoint={"since": int(last)})

    @staticmethod
    def _update(record) -> Update | None:  # type: ignore[no-untyped-def]
        kind = SIGNALS.get(record.signalType.value)
        if kind is None:
            return None
        key = f"stopncii:{record.signalType.value}:{record.hashValue}"
        status = record.hashStatus.value
        if status in GONE:
            return Update(key, [], deleted=True)
        return Update(key, [(kind, record.hashValue)], [f"stopncii_status:{status}"])
