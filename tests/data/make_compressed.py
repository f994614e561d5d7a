"""Write the compressed payloads of tests/data (deterministic: run again, get the same bytes).

    .venv/bin/python tests/data/make_compressed.py

storage_blob_logs.json.gz    gzip (mtime 0) of a {"records": [...]} batch of StorageRead/StorageWrite logs
firewall_rules.json.zlib     zlib (level 6, header 78 9c) of a {"records": [...]} batch of Azure Firewall logs
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUB = "/SUBSCRIPTIONS/2D3E4F5A-6B7C-4D8E-9F0A-1B2C3D4E5F6A"
STORAGE = f"{SUB}/RESOURCEGROUPS/RG-DATA-PROD/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/STPAYROLLEXPORT"
STORAGE += "/BLOBSERVICES/DEFAULT"
FIREWALL = f"{SUB}/RESOURCEGROUPS/RG-HUB/PROVIDERS/MICROSOFT.NETWORK/AZUREFIREWALLS/AFW-HUB-WEU"


def storage(category: str, operation: str, correlation: str, status: int, uri: str, caller: str) -> dict:
    return {
        "time": "2024-05-02T17:00:00.0000000Z",
        "resourceId": STORAGE,
        "category": category,
        "operationName": operation,
        "operationVersion": "2023-11-03",
        "schemaVersion": "1.0",
        "statusCode": status,
        "statusText": "Success" if status < 400 else "AuthorizationPermissionMismatch",
        "durationMs": 12,
        "callerIpAddress": f"{caller}:51234",
        "correlationId": correlation,
        "identity": {
            "type": "OAuth",
            "tokenHash": "2F1E0D9C8B7A69584736251403F2E1D0",
            "requester": {
                "appId": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
                "audience": "https://storage.azure.com/",
                "objectId": "5d4c3b2a-1908-4f7e-8d6c-5b4a39281706",
                "tenantId": "4f3c2b1a-9e8d-4c7b-a6f5-0e1d2c3b4a59",
            },
        },
        "location": "westeurope",
        "properties": {
            "accountName": "stpayrollexport",
            "userAgentHeader": "azsdk-python-storage-blob/12.19.1 Python/3.11.7",
            "serviceType": "blob",
            "objectKey": "/stpayrollexport/exports/payroll-2024-04.csv",
            "serverLatencyMs": 9,
            "requestHeaderSize": 1874,
            "responseBodySize": 52831,
            "tlsVersion": "TLS 1.2",
        },
        "uri": uri,
        "protocol": "HTTPS",
        "resourceType": "Microsoft.Storage/storageAccounts/blobServices",
    }


def firewall(correlation: str, action: str, source: str, destination: str, port: int, rule: str) -> dict:
    return {
        "time": "2024-05-02T17:05:00.0000000Z",
        "resourceId": FIREWALL,
        "category": "AZFWNetworkRule",
        "operationName": "AZFWNetworkRule",
        "correlationId": correlation,
        "properties": {
            "Protocol": "TCP",
            "SourceIp": source,
            "SourcePort": 49822,
            "DestinationIp": destination,
            "DestinationPort": port,
            "Action": action,
            "Policy": "afwp-hub-weu",
            "RuleCollectionGroup": "rcg-default",
            "RuleCollection": "rc-egress",
            "Rule": rule,
            "ActionReason": "",
        },
    }


STORAGE_BATCH = {
    "records": [
        storage(
            "StorageRead",
            "GetBlob",
            "f8e7d6c5-b4a3-4921-8f0e-d9c8b7a60001",
            200,
            "https://stpayrollexport.blob.core.windows.net/exports/payroll-2024-04.csv",
            "10.20.30.40",
        ),
        storage(
            "StorageWrite",
            "PutBlob",
            "f8e7d6c5-b4a3-4921-8f0e-d9c8b7a60002",
            201,
            "https://stpayrollexport.blob.core.windows.net/exports/payroll-2024-05.csv",
            "10.20.30.40",
        ),
        storage(
            "StorageRead",
            "ListBlobs",
            "f8e7d6c5-b4a3-4921-8f0e-d9c8b7a60003",
            403,
            "https://stpayrollexport.blob.core.windows.net/exports?restype=container&comp=list",
            "203.0.113.199",
        ),
    ]
}
FIREWALL_BATCH = {
    "records": [
        firewall(
            "a9b8c7d6-e5f4-4a3b-9c2d-1e0f00000001", "Allow", "10.1.2.4", "20.50.80.12", 443, "allow-azure-monitor"
        ),
        firewall("a9b8c7d6-e5f4-4a3b-9c2d-1e0f00000002", "Deny", "10.1.2.9", "203.0.113.199", 3389, "default-deny"),
    ]
}


def main() -> None:
    storage_json = json.dumps(STORAGE_BATCH, separators=(",", ":")).encode()
    (HERE / "storage_blob_logs.json.gz").write_bytes(gzip.compress(storage_json, compresslevel=9, mtime=0))
    firewall_json = json.dumps(FIREWALL_BATCH, separators=(",", ":")).encode()
    (HERE / "firewall_rules.json.zlib").write_bytes(zlib.compress(firewall_json, 6))


if __name__ == "__main__":
    main()
