"""What VirusTotal's behaviour reports look like to an agent with a small context window.

The MCP adapter fits any JSON to a budget by generic rules (earlier fields get more room, a list
keeps its first items). This module supplies what only VirusTotal knowledge can: the most
severe signatures, Sigma rules, IDS alerts and ATT&CK techniques first; verdicts, detections and
network indicators before the long low-value lists (``registry_keys_opened``, ``files_opened``,
``modules_loaded``, ...); ``processes_tree`` cut below `TREE_DEPTH` with a count of what was
cut; per-object ``links`` and ``last_modification_date`` dropped.

Sorting applies to every condensed answer and to every page of one, so an ``offset`` means the
same item in both; dropping and reordering fields apply only to the condensed overview.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iocgate.virustotal.severity import NO_SEVERITY_RANK, severity_rank

__all__ = ["TREE_DEPTH", "severity_rank", "shape_for_context"]

#: Levels of ``processes_tree`` kept in a condensed overview (the root processes are level 1).
TREE_DEPTH = 4

# Attribute -> the field of its items that carries a severity (four vocabularies, vt-api.md §4).
_SEVERITY_FIELDS = {
    "signature_matches": "severity",
    "mitre_attack_techniques": "severity",
    "sigma_analysis_results": "rule_level",
    "ids_alerts": "alert_severity",
    "ids_results": "alert_severity",
}

# What an analyst reads first: verdicts, detections, network indicators, then what ran and what
# it changed. Attributes not named here keep their order between these and the low-value ones.
_FIRST = (
    "sandbox_name",
    "verdicts",
    "verdict_labels",
    "verdict_confidence",
    "analysis_date",
    "tags",
    "mitre_attack_techniques",
    "signature_matches",
    "sigma_analysis_results",
    "ids_alerts",
    "ids_results",
    "attack_techniques",
    "dns_lookups",
    "ip_traffic",
    "http_conversations",
    "tls",
    "ja3_digests",
    "memory_pattern_urls",
    "memory_pattern_domains",
    "memory_pattern_ips",
    "command_executions",
    "processes_created",
    "processes_injected",
    "processes_tree",
    "files_dropped",
    "files_written",
    "files_deleted",
    "registry_keys_set",
    "registry_keys_deleted",
    "mutexes_created",
    "services_created",
    "services_started",
    "permissions_requested",
)
# Long lists of routine activity: the smallest share of the budget, still counted and pageable.
_LAST = (
    "processes_terminated",
    "processes_killed",
    "files_attribute_changed",
    "files_copied",
    "calls_highlighted",
    "text_highlighted",
    "text_decoded",
    "crypto_plain_text",
    "system_property_lookups",
    "services_opened",
    "services_bound",
    "windows_searched",
    "windows_hidden",
    "signals_observed",
    "signals_hooked",
    "invokes",
    "shared_preferences_lookups",
    "content_model_observers",
    "databases_opened",
    "memory_dumps",
    "mutexes_opened",
    "modules_loaded",
    "files_opened",
    "registry_keys_opened",
)
_FIRST_INDEX = {name: index for index, name in enumerate(_FIRST)}
_LAST_INDEX = {name: index for index, name in enumerate(_LAST)}
_DROPPED_ATTRIBUTES = frozenset({"last_modification_date"})
_DROPPED_ITEM_FIELDS = frozenset({"refs"})  # back-references into signature_matches


def _by_severity(items: list[Any], field: str) -> list[Any]:
    return sorted(
        items,
        key=lambda item: (
            severity_rank(item.get(field)) if isinstance(item, dict) else NO_SEVERITY_RANK
        ),
    )


def _attack_techniques(techniques: dict[str, Any]) -> dict[str, Any]:
    """The summary's ``{"T1055": [{"severity": ...}]}``: most severe techniques first."""
    ordered: dict[str, Any] = {}
    for technique, signatures in techniques.items():
        ordered[technique] = (
            _by_severity(signatures, "severity") if isinstance(signatures, list) else signatures
        )

    def rank(entry: tuple[str, Any]) -> int:
        signatures = entry[1]
        if not isinstance(signatures, list) or not signatures:
            return NO_SEVERITY_RANK
        return min(
            severity_rank(s.get("severity")) if isinstance(s, dict) else NO_SEVERITY_RANK
            for s in signatures
        )

    return dict(sorted(ordered.items(), key=rank))


def _prune_tree(nodes: list[Any], depth: int) -> list[Any]:
    pruned: list[Any] = []
    for node in nodes:
        if not isinstance(node, dict) or not isinstance(node.get("children"), list):
            pruned.append(node)
            continue
        children = node["children"]
        if depth >= TREE_DEPTH:
            copy = {k: v for k, v in node.items() if k != "children"}
            copy["descendants_omitted"] = _count(children)
            pruned.append(copy)
        else:
            pruned.append(node | {"children": _prune_tree(children, depth + 1)})
    return pruned


def _count(nodes: list[Any]) -> int:
    total = 0
    for node in nodes:
        total += 1
        if isinstance(node, dict) and isinstance(node.get("children"), list):
            total += _count(node["children"])
    return total


def _attribute_order(name: str) -> tuple[int, int]:
    if name in _FIRST_INDEX:
        return (0, _FIRST_INDEX[name])
    if name in _LAST_INDEX:
        return (2, _LAST_INDEX[name])
    return (1, 0)


def _attributes(attributes: dict[str, Any], condense: bool) -> dict[str, Any]:
    shaped: dict[str, Any] = {}
    for name, value in attributes.items():
        if condense and name in _DROPPED_ATTRIBUTES:
            continue
        if name in _SEVERITY_FIELDS and isinstance(value, list):
            value = _by_severity(value, _SEVERITY_FIELDS[name])
            if condense:
                value = [_without_item_fields(item) for item in value]
        elif name == "attack_techniques" and isinstance(value, dict):
            value = _attack_techniques(value)
        elif condense and name == "processes_tree" and isinstance(value, list):
            value = _prune_tree(value, 1)
        elif condense and name == "memory_dumps" and isinstance(value, list):
            value = [_without_item_fields(item) for item in value]
        shaped[name] = value
    if condense:  # sorted() is stable: unnamed attributes keep their relative order
        shaped = dict(sorted(shaped.items(), key=lambda entry: _attribute_order(entry[0])))
    return shaped


def _without_item_fields(item: Any) -> Any:
    if isinstance(item, dict) and _DROPPED_ITEM_FIELDS.intersection(item):
        return {k: v for k, v in item.items() if k not in _DROPPED_ITEM_FIELDS}
    return item


def _object(obj: dict[str, Any], condense: bool, *, nested: bool) -> dict[str, Any]:
    """A VT object (``type``, ``id``, ``attributes``, ``context_attributes``, ``links``)."""
    shaped = dict(obj)
    if isinstance(obj.get("attributes"), dict):
        shaped["attributes"] = _attributes(obj["attributes"], condense)
    context = obj.get("context_attributes")
    if isinstance(context, dict) and isinstance(context.get("signatures"), list):
        shaped["context_attributes"] = context | {
            "signatures": _by_severity(context["signatures"], "severity")
        }
    if condense and nested:
        shaped.pop("links", None)  # each item's self link repeats its id
    return shaped


def _mitre_trees(trees: dict[str, Any]) -> dict[str, Any]:
    """Per sandbox: tactics and techniques ordered by their most severe signature."""
    shaped: dict[str, Any] = {}
    for sandbox, tree in trees.items():
        if not isinstance(tree, dict) or not isinstance(tree.get("tactics"), list):
            shaped[sandbox] = tree
            continue
        tactics = []
        for tactic in tree["tactics"]:
            if isinstance(tactic, dict) and isinstance(tactic.get("techniques"), list):
                techniques = [
                    technique | {"signatures": _by_severity(technique["signatures"], "severity")}
                    if isinstance(technique, dict) and isinstance(technique.get("signatures"), list)
                    else technique
                    for technique in tactic["techniques"]
                ]
                techniques.sort(key=_worst_signature)
                tactic = tactic | {"techniques": techniques}
            tactics.append(tactic)
        tactics.sort(
            key=lambda t: (
                min(
                    (_worst_signature(x) for x in t.get("techniques") or []),
                    default=NO_SEVERITY_RANK,
                )
                if isinstance(t, dict)
                else NO_SEVERITY_RANK
            )
        )
        shaped[sandbox] = tree | {"tactics": tactics}
    return shaped


def _worst_signature(technique: Any) -> int:
    if not isinstance(technique, dict) or not isinstance(technique.get("signatures"), list):
        return NO_SEVERITY_RANK
    return min(
        (severity_rank(s.get("severity")) for s in technique["signatures"] if isinstance(s, dict)),
        default=NO_SEVERITY_RANK,
    )


def _on_data(answer: dict[str, Any], reshape: Callable[[Any], Any]) -> dict[str, Any]:
    return answer | {"data": reshape(answer["data"])}


def shape_for_context(path: str, answer: Any, *, section: str | None) -> Any:
    """VirusTotal's answer for operation ``path``, ordered (and, for an overview, condensed).

    ``section`` is the part an agent pages through, or None for the condensed overview.
    """
    if not isinstance(answer, dict) or "data" not in answer:
        return answer
    condense = section is None
    data = answer["data"]
    if path.endswith("/behaviour_mitre_trees") and isinstance(data, dict):
        return _on_data(answer, _mitre_trees)
    if path.endswith("/behaviour_summary") and isinstance(data, dict):
        # The summary's data is the attributes themselves, with no object wrapper (vt-api §3.3).
        return _on_data(answer, lambda attributes: _attributes(attributes, condense))
    if isinstance(data, dict):
        return _on_data(answer, lambda obj: _object(obj, condense, nested=False))
    if isinstance(data, list):
        return _on_data(
            answer,
            lambda items: [
                _object(item, condense, nested=True) if isinstance(item, dict) else item
                for item in items
            ],
        )
    return answer
