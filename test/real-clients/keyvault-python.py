"""Drives Microsoft's Python client for Key Vault secrets (azure-keyvault-secrets, as Debian's python3-azure ships
it with azure-cli) against the emulator's vault, for __tests__/emulator-keyvault.test.ts.

The Azure CLI's own `az keyvault secret` commands cannot run from Debian's azure-cli 2.45 (its keyvault module
imports azure.keyvault.v7_0, which Debian does not package), so this drives the library az would have used.

The client does the challenge itself and asks the credential for the scope the challenge names; the credential
here hands out a token the test got from the emulator's Entra (env KV_TOKEN) and records the scopes it was asked
for. Prints one JSON line: what each call returned (never a value it was not given) and the scopes.

Env: KV_VAULT_URL, KV_TOKEN, KV_CA_FILE, KV_VALUE.
"""
import datetime
import json
import os
import sys
import time

from azure.core.credentials import AccessToken
from azure.keyvault.secrets import SecretClient


class HandedToken:
    """A TokenCredential holding one token; it notes every scope the client asks for."""

    def __init__(self, token):
        self.token = token
        self.scopes = []

    def get_token(self, *scopes, **kwargs):
        self.scopes.extend(scopes)
        return AccessToken(self.token, int(time.time()) + 3000)


def props(p):
    return {
        "name": p.name,
        "version": p.version,
        "contentType": p.content_type,
        "tags": p.tags,
        "expiresOn": p.expires_on.isoformat() if p.expires_on else None,
        "enabled": p.enabled,
    }


def main():
    credential = HandedToken(os.environ["KV_TOKEN"])
    value = os.environ["KV_VALUE"]
    client = SecretClient(
        os.environ["KV_VAULT_URL"],
        credential,
        verify_challenge_resource=False,
        connection_verify=os.environ["KV_CA_FILE"],
        retry_total=0,
    )
    out = {}
    expires = datetime.datetime(2031, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    first = client.set_secret("from-python", value, content_type="text/plain", tags={"entra-client-id": "py"}, expires_on=expires)
    out["set"] = dict(props(first.properties), value=first.value)
    second = client.set_secret("from-python", value + "-2")
    out["got"] = client.get_secret("from-python").value
    out["gotFirst"] = client.get_secret("from-python", first.properties.version).value
    out["listed"] = sorted(p.name for p in client.list_properties_of_secrets())
    out["versions"] = sorted(p.version for p in client.list_properties_of_secret_versions("from-python"))
    out["secondVersion"] = second.properties.version
    client.begin_delete_secret("from-python").wait()
    out["deleted"] = [d.name for d in client.list_deleted_secrets()]
    out["deletedRecoveryId"] = client.get_deleted_secret("from-python").recovery_id
    try:
        client.set_secret("from-python", "refused")
        out["conflict"] = None
    except Exception as e:  # HttpResponseError: the status and Key Vault's error code
        out["conflict"] = {"status": getattr(e, "status_code", None), "code": getattr(getattr(e, "error", None), "code", None), "message": str(getattr(e, "message", e))[:200]}
    client.begin_recover_deleted_secret("from-python").wait()
    out["recovered"] = client.get_secret("from-python").value
    client.begin_delete_secret("from-python").wait()
    client.purge_deleted_secret("from-python")
    out["afterPurge"] = sorted(p.name for p in client.list_properties_of_secrets())
    out["scopes"] = sorted(set(credential.scopes))
    out["apiVersion"] = client.api_version
    sys.stdout.write(json.dumps(out) + "\n")


main()
