"""The simulator keeps its own copies of what VirusTotal defines (sim/ imports nothing of the
runtime): error codes and statuses, relationship names, hash and sandbox id formats. These
tests import both sides and fail when a copy drifts from the runtime's."""

from __future__ import annotations

import re

import pytest

import iocgate.errors as runtime_errors
from iocgate.sim import Corpus
from iocgate.sim.corpus import build_corpus
from iocgate.sim.errors import ERROR_STATUSES, code_for_status
from iocgate.sim.relationships import ONE_TO_ONE, RELATIONSHIPS
from iocgate.sim.sandboxes import SANDBOXES
from iocgate.virustotal.ids import (
    BEHAVIOUR_RELATIONSHIPS,
    HASH_PATTERN,
    SANDBOX_ID_PATTERN,
    check_argument,
)


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return build_corpus(1, 30)


def _runtime_accepts_hash(value: str) -> bool:
    return re.match(HASH_PATTERN, value) is not None


def test_every_code_the_runtime_gives_a_status_has_that_status_in_the_simulator() -> None:
    shared = {c: s for s, c in runtime_errors.STATUS_CODES.items() if c in ERROR_STATUSES}
    assert len(shared) >= 8
    assert {code: ERROR_STATUSES[code] for code in shared} == shared


def test_the_code_the_simulator_answers_for_a_bare_status_means_that_status_to_both() -> None:
    classes = {
        cls.code: cls.status
        for name in runtime_errors.__all__
        if isinstance(cls := getattr(runtime_errors, name), type)
    }
    for status in sorted(set(ERROR_STATUSES.values())):
        code = code_for_status(status)
        if code is None:
            continue
        assert ERROR_STATUSES[code] == status
        assert classes.get(code, status) == status, code
        assert runtime_errors.STATUS_CODES.get(status, code) in ERROR_STATUSES


def test_the_simulator_serves_exactly_the_relationships_the_runtime_accepts() -> None:
    assert RELATIONSHIPS == BEHAVIOUR_RELATIONSHIPS
    assert set(BEHAVIOUR_RELATIONSHIPS) >= ONE_TO_ONE


def test_every_hash_and_report_id_of_the_corpus_passes_the_runtimes_checks(
    corpus: Corpus,
) -> None:
    for sim_file in corpus.files:
        for digest in (sim_file.sha256, sim_file.sha1, sim_file.md5):
            check_argument("/files/{id}", "id", digest, BEHAVIOUR_RELATIONSHIPS)
        for report in sim_file.reports:
            assert re.match(SANDBOX_ID_PATTERN, report.id), report.id
            check_argument("/file_behaviours/{sandbox_id}", "sandbox_id", report.id, ())


def test_every_sandbox_name_makes_an_id_the_runtime_accepts() -> None:
    for name in SANDBOXES:
        check_argument("/file_behaviours/{sandbox_id}", "sandbox_id", f"{'a' * 64}_{name}", ())


def test_hash_spellings_the_runtime_accepts_are_exactly_those_the_simulator_finds(
    corpus: Corpus,
) -> None:
    file = corpus.files[0]
    found_by_both = [file.sha256, file.sha256.upper(), file.sha1, file.sha1.upper(), file.md5,
                     file.md5.upper()]  # fmt: skip
    refused_by_runtime = [file.sha256[:-1], file.sha256 + "0", file.md5[:31] + "g", "",
                          file.sha1 + file.md5, "../" + file.md5]  # fmt: skip
    for spelling in found_by_both:
        assert _runtime_accepts_hash(spelling), spelling
        assert corpus.find_file(spelling) is file, spelling
    for spelling in refused_by_runtime:
        assert not _runtime_accepts_hash(spelling), spelling
        assert corpus.find_file(spelling) is None, spelling


def test_report_ids_in_any_digest_case_reach_the_same_report_in_the_simulator(
    corpus: Corpus,
) -> None:
    report = corpus.files[0].reports[0]
    digest, _, name = report.id.partition("_")
    upper = f"{digest.upper()}_{name}"
    check_argument("/file_behaviours/{sandbox_id}", "sandbox_id", upper, ())
    assert corpus.find_report(upper) is report
