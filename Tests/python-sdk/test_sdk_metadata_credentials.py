"""The official SDK's ECS metadata credentials against the built geminidb-emulator.

huaweicloudsdkcore's MetadataAccessor (its fixed endpoint, http://169.254.169.254, pointed at the emulator) fetches
a temporary AK/SK and security token from the emulator's metadata service, and the unmodified GeminiDB client signed
with them (X-Security-Token included) pauses and resumes a pair. Run by `make test` after the Swift build.
"""
import requests
import pytest
from huaweicloudsdkcore.auth.internal import MetadataAccessor
from huaweicloudsdkcore.auth.provider import MetadataCredentialProvider
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.utils import time_utils
from huaweicloudsdkgaussdbfornosql.v3 import GaussDBforNoSQLClient

from test_sdk_against_emulator import PRIMARY, STANDBY, Emulator, act, sdk_client, status, wait_for, write_config


def start(tmp_path, *flags):
    config = write_config(tmp_path, ["method: metadata", "metadata_endpoint: http://127.0.0.1:9"])
    return Emulator(config, "--job-delay", "200ms", *flags)


@pytest.fixture
def metadata_emulator(tmp_path, monkeypatch):
    emulator = start(tmp_path, "--temporary-key-lifetime", "2h")
    monkeypatch.setattr(MetadataAccessor, "_METADATA_ENDPOINT", emulator.url)
    yield emulator
    emulator.stop()


def request_log(emulator):
    return requests.get(emulator.url + "/_emulator/requests", timeout=5).json()["requests"]


def metadata_client(emulator, ref):
    """The GeminiDB client with the SDK's metadata provider's credentials, as on an ECS with an agency."""
    provider = MetadataCredentialProvider.get_basic_credential_metadata_provider()
    provider.project_id = ref["project_id"]
    credentials = provider.get_credentials()
    config = HttpConfig.get_default_config()
    config.timeout = (5, 10)
    return (GaussDBforNoSQLClient.new_builder()
            .with_http_config(config)
            .with_credentials(credentials)
            .with_endpoint(emulator.url)
            .build())


def test_metadata_accessor_gets_a_temporary_key(metadata_emulator):
    credential = MetadataAccessor().get_credential()
    assert credential.access.startswith("TMPAK")
    assert credential.secret and credential.security_token
    # The SDK reads expires_at the way it compares it (both through time.mktime): two hours ahead.
    assert 7000 < credential.expire_at - time_utils.get_timestamp_utc() <= 7200
    log = [(entry["method"], entry["path"], entry["status"]) for entry in request_log(metadata_emulator)]
    assert log == [("PUT", "/meta-data/latest/api/token", 200), ("GET", "/openstack/latest/securitykey", 200)]


def test_official_client_with_metadata_credentials_pauses_and_resumes_a_pair(metadata_emulator):
    primary = metadata_client(metadata_emulator, PRIMARY)
    standby = metadata_client(metadata_emulator, STANDBY)
    for action, expected in (("pause", "SUSPENDED"), ("resume", "SYNCING")):
        act(primary, PRIMARY, action)
        act(standby, STANDBY, action)
        wait_for(primary, PRIMARY, expected)
        wait_for(standby, STANDBY, expected)
    api = [entry for entry in request_log(metadata_emulator) if entry["path"].startswith("/v3/")]
    assert api and all(entry["auth"] == "temporary-key" and entry["status"] in (200, 202) for entry in api)
    # A 2-hour key is outside the SDK's 40-minute refresh threshold: one key per credentials object.
    keys = [entry for entry in request_log(metadata_emulator) if entry["path"] == "/openstack/latest/securitykey"]
    assert len(keys) == 2


def test_sdk_fetches_a_key_before_every_request_when_it_lives_under_40_minutes(tmp_path, monkeypatch):
    emulator = start(tmp_path, "--temporary-key-lifetime", "30m")
    monkeypatch.setattr(MetadataAccessor, "_METADATA_ENDPOINT", emulator.url)
    try:
        client = metadata_client(emulator, PRIMARY)
        for _ in range(3):
            assert status(client, PRIMARY) == "SYNCING"
        keys = [entry for entry in request_log(emulator) if entry["path"] == "/openstack/latest/securitykey"]
        # One for the provider, one before each call: syncwindow would use this key for 15 minutes.
        assert len(keys) == 4
    finally:
        emulator.stop()


def test_no_agency_is_the_services_401(tmp_path, monkeypatch):
    emulator = start(tmp_path, "--no-agency")
    monkeypatch.setattr(MetadataAccessor, "_METADATA_ENDPOINT", emulator.url)
    try:
        with pytest.raises(exceptions.ClientRequestException) as raised:
            MetadataAccessor().get_credential()
        assert raised.value.status_code == 401
        assert "Please configure Cloud Service Agency first" in raised.value.error_msg
        # The SDK takes that text as final: no second session token.
        assert [entry["method"] for entry in request_log(emulator)] == ["PUT", "GET"]
    finally:
        emulator.stop()


def test_a_temporary_key_without_its_security_token_is_401(metadata_emulator):
    credential = MetadataAccessor().get_credential()
    client = sdk_client(metadata_emulator, PRIMARY, ak=credential.access, sk=credential.secret)
    with pytest.raises(exceptions.ClientRequestException) as raised:
        status(client, PRIMARY)
    assert raised.value.status_code == 401
    assert "X-Security-Token is missing" in raised.value.error_msg


def test_request_log_and_state_hold_no_temporary_secret(metadata_emulator):
    credential = MetadataAccessor().get_credential()
    client = metadata_client(metadata_emulator, PRIMARY)
    status(client, PRIMARY)
    for path in ("/_emulator/requests", "/_emulator/state", "/_emulator/faults", "/_emulator/metadata"):
        text = requests.get(metadata_emulator.url + path, timeout=5).text
        assert credential.secret not in text and credential.security_token not in text
