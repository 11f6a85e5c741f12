"""The HTTPS transport's signatures (no socket): what each check refuses, and why."""

from __future__ import annotations

import pytest

from jointcredit.platforms.transports import signing

KEY = b"k" * 32
NOW = 1_900_000_000.0


def _verify(headers, *, body=b"{}", method="POST", path="/v1/outgoing", now=NOW, nonces=None, key=KEY):
    return signing.request_verify(
        key,
        method=method,
        path=path,
        headers=headers,
        body=body,
        now=now,
        nonces=nonces or signing.NonceStore(),
    )


def test_a_signed_request_verifies_once_within_the_window():
    headers = signing.request_headers(KEY, method="POST", path="/v1/outgoing", body=b"{}", now=NOW)
    nonces = signing.NonceStore()
    verified = _verify(headers, now=NOW + signing.WINDOW, nonces=nonces)
    assert verified.nonce == headers[signing.NONCE]
    with pytest.raises(signing.SignatureInvalid) as replay:
        _verify(headers, nonces=nonces)
    assert replay.value.rule == "replay"


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"body": b'{"x": 1}'}, "digest"),
        ({"path": "/v1/incoming/status"}, "signature"),
        ({"method": "PUT"}, "signature"),
        ({"key": b"other-key"}, "signature"),
        ({"now": NOW + signing.WINDOW + 1}, "window"),
        ({"now": NOW - signing.WINDOW - 1}, "window"),
    ],
)
def test_anything_changed_is_refused_with_its_reason(change, rule):
    headers = signing.request_headers(KEY, method="POST", path="/v1/outgoing", body=b"{}", now=NOW)
    with pytest.raises(signing.SignatureInvalid) as refused:
        _verify(headers, **change)
    assert refused.value.rule == rule and refused.value.message


def test_a_missing_or_malformed_nonce_is_refused():
    headers = signing.request_headers(KEY, method="GET", path="/v1/holdings", body=b"", now=NOW)
    with pytest.raises(signing.SignatureInvalid) as refused:
        _verify({**headers, signing.NONCE: "abc"}, method="GET", path="/v1/holdings", body=b"")
    assert refused.value.rule == "nonce"


def test_an_answer_is_bound_to_the_request_it_answers():
    answer = signing.response_headers(KEY, status=200, nonce="a" * 32, body=b"{}", now=NOW)
    signing.response_verify(KEY, status=200, nonce="a" * 32, headers=answer, body=b"{}", now=NOW)
    for nonce, status, body in (("b" * 32, 200, b"{}"), ("a" * 32, 201, b"{}")):
        with pytest.raises(signing.SignatureInvalid):
            signing.response_verify(KEY, status=status, nonce=nonce, headers=answer, body=body, now=NOW)
    with pytest.raises(signing.SignatureInvalid) as tampered:
        signing.response_verify(KEY, status=200, nonce="a" * 32, headers=answer, body=b"[]", now=NOW)
    assert tampered.value.rule == "digest"
