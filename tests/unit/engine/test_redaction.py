"""One redaction (iocgate/redaction.py) for the engine's answers and errors and the CLI's
stderr: a secret goes whole, and so do its first and last characters."""

from __future__ import annotations

import pytest

from iocgate.cli import output
from iocgate.redaction import REDACTED, SECRET_END, redact, redact_bytes, secret_fragments

KEY = "0123456789abcdef" * 4  # 64 characters, like a VirusTotal key


def test_a_secret_and_its_ends_are_redacted_from_text_and_bytes() -> None:
    text = f"key={KEY} head={KEY[:SECRET_END]} tail={KEY[-SECRET_END:]}"
    assert KEY[:SECRET_END] not in redact(text, [KEY])
    assert redact(text, [KEY]).count(REDACTED) == 3
    body = redact_bytes(text.encode(), secret_fragments([KEY]))
    assert body.decode() == redact(text, [KEY])


def test_a_short_secret_is_redacted_whole_without_its_ends() -> None:
    assert secret_fragments(["s3cret"]) == ("s3cret",)
    assert redact("token s3cret", ["", "s3cret"]) == f"token {REDACTED}"


def test_the_cli_hides_a_keys_first_characters_as_the_engine_does(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(output, "SECRETS", [KEY])
    output.stderr(f"upstream said: bad key {KEY[:SECRET_END]}...")
    err = capsys.readouterr().err
    assert KEY[:SECRET_END] not in err
    assert err == redact(f"upstream said: bad key {KEY[:SECRET_END]}...\n", [KEY])
