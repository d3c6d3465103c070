"""Every extractor the pipeline runs, in order. A new signal family is one module that
implements signals.base.Extractor and one line here."""

from __future__ import annotations

from groupguard.graph.extractor import GraphExtractor
from groupguard.signals.base import Extractor
from groupguard.signals.classifier.extractor import ClassifierExtractor
from groupguard.signals.hash_match import HashExtractor
from groupguard.signals.reports import ReportExtractor
from groupguard.signals.text.extractor import TextExtractor


def extractors() -> list[Extractor]:
    return [
        HashExtractor(),
        ReportExtractor(),
        TextExtractor(),
        ClassifierExtractor(),
        GraphExtractor(),
    ]
