"""What a Blob Storage or an intake error means for the operator. Pure, tested on literal errors
(advice.py says how).
"""

from __future__ import annotations

from azure_eventhub.operations import sign_in_advice
from azure_eventhub.operations.advice import (
    error_finding,
    Finding,
    _first_line,
    INTAKE_SERVER,
    _names,
    PROXY_URL,
    STORAGE_ACCOUNT_URL,
    STORAGE_CONNECTION_STRING,
    STORAGE_CONTAINER_NAME,
    Target,
    warning,
)


def classify_storage_error(error: BaseException, target: Target) -> Finding:
    """What a storage error (azure-core / azure-storage-blob, or TimeoutError) means for the operator."""
    names = _names(error)
    status = getattr(error, "status_code", None)
    code = str(getattr(error, "error_code", "") or "")
    code = code.rsplit(".", 1)[-1].replace("_", "").lower()  # "StorageErrorCode.AUTHORIZATION_FAILURE" too
    text = str(error)
    lowered = text.lower()
    endpoint, container = target.storage_endpoint, target.container
    if target.storage_signs_in:
        signing_in = sign_in_advice.classify_sign_in_error(error, target)
        if signing_in is not None:
            return signing_in
        if status == 403 and code == "authorizationpermissionmismatch":
            return error_finding(
                STORAGE_ACCOUNT_URL,
                f"the application may not list and write blobs in the container {container} (403 "
                "AuthorizationPermissionMismatch: it has no data role there)",
                "assign Storage Blob Data Contributor on the container or the account to the application (Storage "
                "accounts > your account > Access control (IAM) > Add role assignment); it applies within minutes",
            )
        if status in (401, 403) and (code in ("authenticationfailed", "invalidauthenticationinfo")):
            return error_finding(
                STORAGE_ACCOUNT_URL,
                f"the storage account {endpoint} refused the application's token ({status} {code})",
                "check Tenant ID (the application must belong to the account's tenant) and Authority Host (the "
                "account's cloud)",
            )
    if code == "keybasedauthenticationnotpermitted":
        return error_finding(
            STORAGE_CONNECTION_STRING,
            f"the storage account {endpoint} does not allow shared keys (403 KeyBasedAuthenticationNotPermitted)",
            "clear Storage Connection String and enter Storage Account URL, to sign in with the application (Tenant "
            "ID, Client ID, Client Secret or Client Certificate)",
        )
    storage_field = STORAGE_ACCOUNT_URL if target.storage_signs_in else STORAGE_CONNECTION_STRING
    if "TimeoutError" in names and "AzureError" not in names:
        return error_finding(
            storage_field,
            f"the storage account {endpoint} did not answer ({error})",
            "check that this network reaches it on port 443 (through the Proxy URL if there is one), and the "
            "storage account's Networking settings",
        )
    if "failed to resolve" in lowered or "name or service not known" in lowered or "getaddrinfo" in lowered:
        return error_finding(
            STORAGE_CONNECTION_STRING,
            f"the storage account's host ({endpoint}) does not resolve",
            "check AccountName and EndpointSuffix (core.chinacloudapi.cn for Azure China) or BlobEndpoint; "
            "paste the connection string from Storage accounts > your account > Access keys",
        )
    if target.proxy and ("ProxyError" in names or "407" in text or "proxy" in lowered):
        return error_finding(
            PROXY_URL,
            f"the proxy refused or failed the connection to {endpoint}: {_first_line(error)}",
            "check the proxy's address and credentials, and that it allows the storage account's host",
        )
    if "ServiceRequestError" in names or "ServiceResponseError" in names:
        return error_finding(
            storage_field,
            f"cannot connect to the storage account {endpoint}: {_first_line(error)}",
            "check that this network reaches it on port 443, and the storage account's Networking settings",
        )
    if status == 403 and (code == "authenticationfailed" or "failed to authenticate" in lowered):
        return error_finding(
            STORAGE_CONNECTION_STRING,
            f"the storage account {endpoint} refused the key or signature (403 AuthenticationFailed): the key "
            "was regenerated, or the SharedAccessSignature expired",
            "paste the current connection string (Storage accounts > your account > Security + networking > "
            "Access keys), or a new SAS",
        )
    if status == 403 and code in ("authorizationpermissionmismatch", "authorizationresourcetypemismatch"):
        return error_finding(
            STORAGE_CONNECTION_STRING,
            f"these credentials may not list and write blobs in the container {container} ({code})",
            "paste the account's connection string (Access keys), or a SAS with Read, Write, List, Add and Create "
            "on the container (and on containers and objects for an account SAS)",
        )
    if status == 403:
        return error_finding(
            storage_field,
            f"the storage account {endpoint} refused the request (403 {code or 'Forbidden'}): its firewall may "
            "not allow this address",
            "allow this network in the storage account's Networking page (or use a private endpoint), or paste "
            "valid credentials",
        )
    if status == 404 and code == "containernotfound":
        return error_finding(
            STORAGE_CONTAINER_NAME,
            f"the container {container} does not exist and these credentials may not create it",
            "create the container (Storage accounts > your account > Containers), or paste the account's "
            "connection string so that the trigger creates it",
        )
    if status == 409 and code == "containerbeingdeleted":
        return error_finding(
            STORAGE_CONTAINER_NAME,
            f"the container {container} is being deleted",
            "wait a minute, or enter another name",
        )
    if status == 404:
        return error_finding(
            STORAGE_CONNECTION_STRING,
            f"the storage account {endpoint} was not found ({code or 404})",
            "check AccountName and BlobEndpoint: paste the connection string from Storage accounts > your account > "
            "Access keys",
        )
    return error_finding(
        storage_field,
        f"the storage account {endpoint} answered {type(error).__name__}: {_first_line(error)}",
        "check the storage settings; the self-check runs again",
    )


def classify_intake_error(error: BaseException, target: Target) -> Finding:
    """The intake server did not answer. A warning: chunks are retried until it does."""
    names = _names(error)
    if target.proxy and "ProxyError" in names:
        return warning(
            PROXY_URL,
            f"the proxy refused or failed the connection to the intake server {target.intake_server}: "
            f"{_first_line(error)}",
            "check the proxy's address and credentials, and that it allows the intake's host; records wait in the hub "
            "and are sent once it works",
        )
    return warning(
        INTAKE_SERVER,
        f"the intake server {target.intake_server} cannot be reached ({type(error).__name__})",
        "enter your region's intake address (https://intake.sekoia.io by default) and check that this network "
        "reaches it; records wait in the hub and are sent once it answers",
    )


# --- retention ------------------------------------------------------------------------------------
