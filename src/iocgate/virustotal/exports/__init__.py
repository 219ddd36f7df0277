"""Exports of an investigation `Brief`: pure functions, one module per format.

ATT&CK Navigator layer, STIX 2.1 bundle, IoC lists (CSV, JSON), and the report in Markdown
and self-contained HTML.
"""

from iocgate.virustotal.exports.html import CSP, report_html
from iocgate.virustotal.exports.iocs import IOC_TYPES, ioc_rows, iocs_csv, iocs_json
from iocgate.virustotal.exports.markdown import report_markdown
from iocgate.virustotal.exports.matrix import MatrixColumn, attack_matrix
from iocgate.virustotal.exports.navigator import LAYER_VERSIONS, navigator_layer
from iocgate.virustotal.exports.stix import pattern_for, stix_bundle, stix_json, stix_literal
from iocgate.virustotal.exports.text import visible

__all__ = [
    "CSP",
    "IOC_TYPES",
    "LAYER_VERSIONS",
    "MatrixColumn",
    "attack_matrix",
    "ioc_rows",
    "iocs_csv",
    "iocs_json",
    "navigator_layer",
    "pattern_for",
    "report_html",
    "report_markdown",
    "stix_bundle",
    "stix_json",
    "stix_literal",
    "visible",
]
