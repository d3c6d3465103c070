"""Build CyberTipline documents from plain records, in the schema's element order.

`report` documents open a report (POST /submit); `fileDetails` documents describe each
uploaded file (POST /fileinfo). The element order in each builder below is the order of the
schema's xs:sequence; keep them in step with cyber_tipline.xsd.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from groupguard.reporting.config import Reporter
from groupguard.timeutil import as_utc

CHILD_PORNOGRAPHY = "Child Pornography (possession, manufacture, and distribution)"
INDUSTRY_CLASSES = {"A1", "A2", "B1", "B2"}
REPORT_ANNOTATIONS = ("sextortion", "csamSolicitation", "minorToMinorInteraction", "spam",
                      "sadisticOnlineExploitation")


@dataclass
class ReportedFile:
    sha256: str
    md5: str
    file_name: str
    viewed_by_esp: bool
    pdq: str | None = None
    uploaded_at: datetime | None = None
    location: str | None = None  # where on the platform: "icon of group g-1"
    classification: str | None = None  # industry classification A1..B2
    notes: list[str] = field(default_factory=list)


@dataclass
class ChatGroup:
    group_id: str
    name: str | None


@dataclass
class ReportedAccount:
    account_id: str
    phone: str | None
    display_name: str | None
    banned_at: datetime | None = None
    prior_report_ids: list[int] = field(default_factory=list)


@dataclass
class ReportInput:
    incident_at: datetime
    reporter: Reporter
    account: ReportedAccount
    groups: list[ChatGroup]
    files: list[ReportedFile]
    incident_type: str = CHILD_PORNOGRAPHY
    incident_description: str | None = None
    annotations: set[str] = field(default_factory=set)
    escalate: str | None = None
    additional_info: list[str] = field(default_factory=list)


def xml_datetime(value: datetime) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: etree._Element, tag: str, text: object | None = None,
         **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = str(text)
    return el


def _opt(parent: etree._Element, tag: str, text: object | None) -> None:
    if text is not None and text != "":
        _sub(parent, tag, text)


def _serialise(root: etree._Element) -> str:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                          pretty_print=True).decode("utf-8")


def build_report(data: ReportInput) -> str:
    root = etree.Element("report")
    # incidentSummary: incidentType, platform, escalateToHighPriority, reportAnnotations,
    # incidentDateTime, incidentDateTimeDescription
    summary = _sub(root, "incidentSummary")
    _sub(summary, "incidentType", data.incident_type)
    _opt(summary, "platform", data.reporter.service)
    _opt(summary, "escalateToHighPriority", data.escalate)
    wanted = [a for a in REPORT_ANNOTATIONS if a in data.annotations]
    if wanted:
        ann = _sub(summary, "reportAnnotations")
        for name in wanted:
            _sub(ann, name, "true")
    _sub(summary, "incidentDateTime", xml_datetime(data.incident_at))
    _opt(summary, "incidentDateTimeDescription", data.incident_description)
    # internetDetails: one chat incident per group the account's items were shared in.
    for group in data.groups:
        chat = _sub(_sub(root, "internetDetails"), "chatImIncident")
        _opt(chat, "chatClient", data.reporter.service)
        _opt(chat, "chatRoomName", group.name)
        _sub(chat, "additionalInfo", f"Group identifier: {group.group_id}")
    _reporter(root, data.reporter)
    _reported_user(root, data)
    if data.additional_info:
        _sub(root, "additionalInfo", "\n".join(data.additional_info))
    return _serialise(root)


def _reporter(root: etree._Element, reporter: Reporter) -> None:
    rep = _sub(root, "reporter")
    person = _sub(rep, "reportingPerson")  # firstName, lastName, phone, email
    _opt(person, "firstName", reporter.first_name)
    _opt(person, "lastName", reporter.last_name)
    if reporter.phone:
        _sub(person, "phone", reporter.phone, type="Business")
    _opt(person, "email", reporter.email)
    _opt(rep, "companyTemplate", reporter.company_template)
    _opt(rep, "termsOfService", reporter.terms_of_service)
    _opt(rep, "legalURL", reporter.legal_url)


def _reported_user(root: etree._Element, data: ReportInput) -> None:
    acc = data.account
    user = _sub(root, "personOrUserReported")
    if acc.phone:
        person = _sub(user, "personOrUserReportedPerson")
        _sub(person, "phone", acc.phone, type="Mobile")
    _sub(user, "espIdentifier", acc.account_id)
    _opt(user, "espService", data.reporter.service)
    _opt(user, "displayName", acc.display_name)
    for prior in acc.prior_report_ids:
        _sub(user, "priorCTReports", int(prior))
    if data.groups:
        _sub(user, "groupIdentifier", data.groups[0].group_id)
    if acc.banned_at is not None:
        _sub(user, "accountPermanentlyDisabled", "true",
             disabledDate=xml_datetime(acc.banned_at))
    if len(data.groups) > 1:
        others = ", ".join(g.group_id for g in data.groups[1:])
        _sub(user, "additionalInfo", f"Also shared in groups: {others}")


def build_file_details(f: ReportedFile, *, report_id: int, file_id: str) -> str:
    root = etree.Element("fileDetails")
    _sub(root, "reportId", int(report_id))
    _sub(root, "fileId", file_id)
    _sub(root, "fileName", f.file_name)
    if f.uploaded_at is not None:
        _sub(root, "uploadedToEspTimestamp", xml_datetime(f.uploaded_at))
    _opt(root, "locationOfFile", f.location)
    _sub(root, "fileViewedByEsp", "true" if f.viewed_by_esp else "false")
    _sub(root, "exifViewedByEsp", "false")
    _sub(root, "publiclyAvailable", "false")
    _sub(root, "fileRelevance", "Reported")
    if f.classification in INDUSTRY_CLASSES:
        _sub(root, "industryClassification", f.classification)
    _sub(root, "originalFileHash", f.md5, hashType="MD5")
    _sub(root, "originalFileHash", f.sha256, hashType="SHA256")
    if f.pdq:
        _sub(root, "originalFileHash", f.pdq, hashType="PDQ")
    if f.notes:
        _sub(root, "additionalInfo", "\n".join(f.notes))
    return _serialise(root)
