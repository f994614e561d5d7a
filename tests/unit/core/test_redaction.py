from urllib.parse import quote, quote_plus

import pytest

from azure_eventhub.core.redaction import Redactor, redact_text, with_encodings

SAS = "sv=2024-08-04&ss=b&srt=sco&sp=rwdlac&se=2030-01-01T00%3A00%3A00Z&sig=AbC%2Bdef%2Fghi%3D"
JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL3N0b3JhZ2UifQ.c2lnbmF0dXJlLXBhcnQ"

PATTERNS = {
    "sas signature in a URL": (
        f"GET http://127.0.0.1:9/devstoreaccount1/c?restype=container&{SAS}",
        "GET http://127.0.0.1:9/devstoreaccount1/c?restype=container&sv=2024-08-04&ss=b&srt=sco&sp=rwdlac"
        "&se=2030-01-01T00%3A00%3A00Z&sig=***",
    ),
    "sas signature url-encoded": (
        "url=https%3A%2F%2Fa%2Fc%3Fsig%3DAbC%252B%26se%3D1",
        "url=https%3A%2F%2Fa%2Fc%3Fsig%3D***%26se%3D1",
    ),
    "shared access key": (
        "Endpoint=sb://ns/;SharedAccessKeyName=p;SharedAccessKey=k3y+/=",
        "Endpoint=sb://ns/;SharedAccessKeyName=p;SharedAccessKey=***",
    ),
    "account key": (
        "AccountName=a;AccountKey=k3y==;EndpointSuffix=x",
        "AccountName=a;AccountKey=***;EndpointSuffix=x",
    ),
    "sas in a connection string": (
        f"BlobEndpoint=https://a/;SharedAccessSignature={SAS}",
        "BlobEndpoint=https://a/;SharedAccessSignature=***",
    ),
    "url password": ("proxy http://user:pa55w0rd@proxy:3128 down", "proxy http://user:***@proxy:3128 down"),
    "url password holding @ and :": (
        "got 'sb://me:p@ss:w@rd@gw.example.com:443'",
        "got 'sb://me:***@gw.example.com:443'",
    ),
    "bearer token": ("Authorization: Bearer abc.DEF-ghi_123=", "Authorization: Bearer ***"),
    "jwt alone": (f"token {JWT} refused", "token *** refused"),
    "pem private key": (
        "pem -----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN\nBgkqhkiG9w0B\n-----END PRIVATE KEY-----\n end",
        "pem -----BEGIN PRIVATE KEY-----***-----END PRIVATE KEY-----\n end",
    ),
    "pem private key on one line": (
        "-----BEGIN ENCRYPTED PRIVATE KEY----- MIIEvQIBADAN BgkqhkiG9w0B -----END ENCRYPTED PRIVATE KEY----- x",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----***-----END ENCRYPTED PRIVATE KEY----- x",
    ),
    "pem private key escaped in a repr": (
        "'-----BEGIN RSA PRIVATE KEY-----\\nProc-Type: 4,ENCRYPTED\\nMIIEvQIBADAN\\n-----END RSA PRIVATE KEY-----'",
        "'-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----'",
    ),
    "pem private key cut short": (
        "certificate_data=b'-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0B",
        "certificate_data=b'-----BEGIN PRIVATE KEY-----***-----END PRIVATE KEY-----",
    ),
    "pem certificate is public": (
        "-----BEGIN CERTIFICATE-----MIIC-----END CERTIFICATE-----",
        "-----BEGIN CERTIFICATE-----MIIC-----END CERTIFICATE-----",
    ),
}


@pytest.mark.parametrize("case", PATTERNS, ids=list(PATTERNS))
def test_patterns_mask_secrets_nobody_told_us_about(case):
    text, expected = PATTERNS[case]
    assert redact_text(text) == expected


def test_patterns_leave_ordinary_urls_readable():
    text = (
        "http://127.0.0.1:9/devstoreaccount1 sb://ns.servicebus.windows.net:5671/hub?x=1 user@example.com "
        "Bearer token expired; basic tier; design=x"
    )
    assert redact_text(text) == text


def test_values_are_masked_once_added_with_their_encodings():
    redactor = Redactor()
    key = "intake/key+with=signs"
    assert redactor.text(f"key {key}") == f"key {key}"
    redactor.add([key, None, ""])
    for form in (key, quote(key, safe=""), quote_plus(key)):
        assert redactor.text(f"key {form}!") == "key ***!"


def test_a_longer_secret_is_masked_whole_before_a_part_of_it():
    redactor = Redactor()
    redactor.add(["part", "secret-part-and-more"])
    assert redactor.text("secret-part-and-more | part") == "*** | ***"


def test_values_shorter_than_four_characters_are_not_searched():
    redactor = Redactor()
    redactor.add(["abc"])
    assert redactor.text("abc") == "abc"


def test_structure_redacts_every_string_of_nested_values():
    redactor = Redactor()
    redactor.add(["s3cret-value"])
    event = {
        "message": "s3cret-value",
        "breadcrumbs": {"values": [{"data": {"http.query": "sv=1&sig=xyz"}, "count": 2}]},
        "frames": ("a", ["AccountKey=abc;"]),
        "level": None,
    }
    assert redactor.structure(event) == {
        "message": "***",
        "breadcrumbs": {"values": [{"data": {"http.query": "sv=1&sig=***"}, "count": 2}]},
        "frames": ("a", ["AccountKey=***;"]),
        "level": None,
    }


def test_with_encodings_gives_each_value_raw_trimmed_and_url_encoded():
    assert set(with_encodings([" a b/c ", None])) == {" a b/c ", "a b/c", "%20a%20b%2Fc%20", "+a+b%2Fc+"}
