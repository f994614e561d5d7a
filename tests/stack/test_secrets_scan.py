import tempfile
from pathlib import Path
from urllib.parse import quote

from tests.stack.secrets_scan import connection_string_credentials, find_secrets
from tests.stack.tls_ca import TestCA

EH_KEY = "q7Pz/3kKd9+Ab1cDeFgHiJkLmNoPqRsTuVwXyZ0123=="
EVENTHUB = (
    "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=listen;" f"SharedAccessKey={EH_KEY};EntityPath=hub"
)
STORAGE_KEY = "c3RvcmFnZS1rZXktZm9yLXRlc3RzLW9ubHk+/w=="
STORAGE = (
    "DefaultEndpointsProtocol=https;AccountName=acct;" f"AccountKey={STORAGE_KEY};EndpointSuffix=core.windows.net"
)
INTAKE_KEY = "intake-key-0123456789"


def test_clean_texts_report_nothing():
    texts = {"output": "started; namespace ns.servicebus.windows.net, account acct"}
    assert find_secrets(texts, [EVENTHUB, STORAGE, INTAKE_KEY]) == []


def test_whole_secret_is_found_with_its_place():
    findings = find_secrets({"logs": f"key is {INTAKE_KEY}"}, [EVENTHUB, INTAKE_KEY])
    assert findings == ["logs: secret #1 value at offset 7"]


def test_shared_access_key_alone_is_found():
    findings = find_secrets({"output": f"sig={EH_KEY}"}, [EVENTHUB])
    assert findings == ["output: secret #0 sharedaccesskey value at offset 4"]


def test_url_encoded_account_key_is_found():
    findings = find_secrets({"url": f"?k={quote(STORAGE_KEY, safe='')}"}, [STORAGE])
    assert findings == ["url: secret #0 accountkey value (url-encoded) at offset 3"]


def test_reports_never_contain_the_secret():
    findings = find_secrets({"a": EVENTHUB * 2}, [EVENTHUB])
    assert findings
    assert all(EH_KEY not in line and "SharedAccessKey=" not in line for line in findings)


def test_connection_string_credentials():
    assert connection_string_credentials(EVENTHUB) == {"sharedaccesskey": EH_KEY}
    assert connection_string_credentials(STORAGE) == {"accountkey": STORAGE_KEY}
    assert connection_string_credentials("not a connection string") == {}


SAS_SIGNATURE = "Wm9vLXNpZ25hdHVyZS1mb3ItdGVzdHMtb25seQ+/w="
SAS_STORAGE = (
    "BlobEndpoint=https://acct.blob.core.windows.net/;"
    f"SharedAccessSignature=sv=2024-08-04&ss=b&srt=sco&sp=rl&se=2030-01-01T00%3A00%3A00Z&sig={quote(SAS_SIGNATURE, safe='')}"
)


def test_the_signature_of_a_sas_is_found_alone_in_a_request_url():
    url = (
        f"GET https://acct.blob.core.windows.net/c?restype=container&sig={quote(SAS_SIGNATURE, safe='')}&sv=2024-08-04"
    )
    findings = find_secrets({"output": url}, [SAS_STORAGE])
    assert findings == [f"output: secret #0 sas signature (url-encoded) at offset {url.index('sig=') + 4}"]
    assert find_secrets({"output": f"signature {SAS_SIGNATURE}"}, [SAS_STORAGE]) == [
        "output: secret #0 sas signature at offset 10"
    ]


def _key_pem() -> str:
    with tempfile.TemporaryDirectory() as directory:
        return TestCA(Path(directory)).client_certificate("scan").combined_pem().decode()


def test_a_certificate_key_is_found_re_wrapped_on_one_line():
    pem = _key_pem()
    body = pem.split("-----BEGIN PRIVATE KEY-----")[1].split("-----END")[0]
    one_line = "-----BEGIN PRIVATE KEY----- " + " ".join(body.split()) + " -----END PRIVATE KEY-----"
    findings = find_secrets({"output": f"could not load {one_line}"}, [pem])
    assert findings and all("private key line" in finding for finding in findings)
    assert find_secrets({"output": "-----BEGIN CERTIFICATE----- only the public part"}, [pem]) == []


def test_a_bearer_tokens_signature_alone_is_found():
    token = (
        "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2V2ZW50aHVicy5henVyZS5uZXQvIn0.c2lnbmF0dXJlLXBhcnQtb2YtdGhlLXRva2Vu"
    )
    findings = find_secrets({"logs": "Authorization: Bearer ***.c2lnbmF0dXJlLXBhcnQtb2YtdGhlLXRva2Vu"}, [token])
    assert findings == ["logs: secret #0 bearer token signature at offset 26"]
