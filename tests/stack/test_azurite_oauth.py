"""Azurite with basic OAuth over HTTPS: azure-storage-blob with an azure-identity credential."""

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.identity import ClientSecretCredential
from azure.storage.blob import BlobServiceClient

from tests.stack.entra_fixtures import authority, azurite_oauth, test_ca, trust_test_ca  # noqa: F401


class _FixedToken:
    """A credential that hands out one given token: to show what Azurite does with it."""

    def __init__(self, token: AccessToken) -> None:
        self._token = token

    def get_token(self, *scopes, **kwargs) -> AccessToken:
        return self._token


def _credential(authority, app, secret):  # noqa: F811
    return ClientSecretCredential(
        app.tenant_id, app.client_id, secret, authority=authority.authority_host, disable_instance_discovery=True
    )


def test_a_token_credential_creates_writes_and_lists_blobs(authority, azurite_oauth, trust_test_ca):  # noqa: F811
    app = authority.register(secret="storage-secret")
    before = authority.tokens_issued(app.client_id)
    service = BlobServiceClient(azurite_oauth.account_url, credential=_credential(authority, app, "storage-secret"))
    container = service.get_container_client("entra-checkpoints")
    container.create_container()
    container.upload_blob("ns/hub/cg/checkpoint/0", b"", metadata={"offset": "12"})
    names = [b.name for b in container.list_blobs(include=["metadata"])]
    assert names == ["ns/hub/cg/checkpoint/0"]
    assert authority.tokens_issued(app.client_id) == before + 1  # cached by the credential
    container.delete_container()


def test_the_shared_key_still_works_beside_oauth(azurite_oauth, trust_test_ca):  # noqa: F811
    service = BlobServiceClient.from_connection_string(azurite_oauth.connection_string)
    assert azurite_oauth.connection_string.startswith("DefaultEndpointsProtocol=https;")
    service.get_container_client("shared-key-beside-oauth").create_container()


def test_a_token_for_another_audience_is_refused(authority, azurite_oauth, trust_test_ca):  # noqa: F811
    app = authority.register(secret="eh-only")
    eventhubs_token = _credential(authority, app, "eh-only").get_token("https://eventhubs.azure.net//.default")
    service = BlobServiceClient(azurite_oauth.account_url, credential=_FixedToken(eventhubs_token))
    with pytest.raises((ClientAuthenticationError, HttpResponseError)) as caught:
        service.get_container_client("wrong-audience").create_container()
    # Azurite answers 403 AuthenticationFailed with the detail (Azure sends 401 InvalidAuthenticationInfo).
    assert caught.value.status_code == 403
    assert "Invalid token audience" in str(caught.value)


def test_a_failed_sign_in_reaches_the_storage_client_as_the_aadsts_error(
    authority, azurite_oauth, trust_test_ca  # noqa: F811
):
    app = authority.register(secret="right")
    # Without retry_total=0 the storage pipeline retries the sign-in for about 90 s.
    service = BlobServiceClient(
        azurite_oauth.account_url, credential=_credential(authority, app, "wrong"), retry_total=0
    )
    with pytest.raises(ClientAuthenticationError) as caught:
        service.get_container_client("never").create_container()
    assert "AADSTS7000215" in str(caught.value)
