"""The UNMODIFIED official Huawei Cloud Python SDK against the built geminidb-emulator.

Run by `make test` after the Swift build (needs .build/debug/geminidb-emulator and the venv).
"""
import json
import os
import pathlib
import signal
import subprocess
import time

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkgaussdbfornosql.v3 import (
    ActionBody,
    GaussDBforNoSQLClient,
    ListInstancesRequest,
    ListJobsRequest,
    PauseResumeDataSynchronizationRequest,
    ShowPauseResumeStutusRequest,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = ROOT / ".build" / "debug" / "geminidb-emulator"

AK = "HPUAPYTESTACCESSKEY0001"
SK = "pytestSecretKey0123456789abcdefghijklmnopq"
DOMAIN = "pytest-domain"
USER = "pytest-user"
PASSWORD = "pytest password !@#"

PRIMARY = {"region": "ap-southeast-1", "project_id": "0549b4a43100d4f32f51c01c2fe4acdb",
           "instance_id": "d58c24da5c2d445f87dc8d697ab3ccb7in12"}
STANDBY = {"region": "ap-southeast-3", "project_id": "7f1e6a0c9b2d4e8f8a7c6b5d4e3f2a10",
           "instance_id": "4b2a9e7c1d3f4a5b8c6d7e8f9a0b1c2din12"}


def secret_file(directory, name, value):
    path = directory / name
    path.write_text(value)
    os.chmod(path, 0o600)
    return path


def write_config(directory, auth_lines):
    (directory / "schedules").mkdir(exist_ok=True)
    (directory / "state").mkdir(exist_ok=True)

    def side(ref):
        return "{ region: %s, project_id: %s, instance_id: %s }" % (ref["region"], ref["project_id"], ref["instance_id"])

    config = directory / "config.yaml"
    config.write_text(
        "state_dir: state\n"
        "schedules: schedules\n"
        "cloud:\n"
        "  auth:\n" + "".join("    %s\n" % line for line in auth_lines) +
        "pairs:\n"
        "  orders-cache:\n"
        "    primary: %s\n"
        "    standby: %s\n" % (side(PRIMARY), side(STANDBY))
    )
    return config


class Emulator:
    def __init__(self, config, *flags):
        if not BINARY.exists():
            pytest.fail("%s is missing: run `swift build` first" % BINARY)
        self.process = subprocess.Popen(
            [str(BINARY), "--listen", "127.0.0.1:0", "--pairs", str(config), *flags],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().strip()
        if not line.startswith("listening on http://127.0.0.1:"):
            self.process.kill()
            pytest.fail("unexpected first line %r; stderr: %s" % (line, self.process.stderr.read()))
        self.url = line[len("listening on "):]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                raise
        return self.process.returncode


@pytest.fixture
def aksk_emulator(tmp_path):
    ak = secret_file(tmp_path, "ak", AK)
    sk = secret_file(tmp_path, "sk", SK)
    config = write_config(tmp_path, ["method: aksk", "access_key_file: %s" % ak, "secret_key_file: %s" % sk])
    emulator = Emulator(config, "--job-delay", "200ms", "--seed", "7")
    yield emulator
    emulator.stop()


@pytest.fixture
def password_emulator(tmp_path):
    password = secret_file(tmp_path, "password", PASSWORD)
    config = write_config(tmp_path, [
        "method: password", "iam_endpoint: http://127.0.0.1:9", "domain: %s" % DOMAIN, "user: %s" % USER,
        "password_file: %s" % password])
    emulator = Emulator(config, "--job-delay", "0")
    yield emulator
    emulator.stop()


def sdk_client(emulator, ref, sk=SK, ak=AK):
    config = HttpConfig.get_default_config()
    config.timeout = (5, 10)
    credentials = BasicCredentials(ak, sk, ref["project_id"])
    return (GaussDBforNoSQLClient.new_builder()
            .with_http_config(config)
            .with_credentials(credentials)
            .with_endpoint(emulator.url)
            .build())


def status(client, ref):
    return client.show_pause_resume_stutus(ShowPauseResumeStutusRequest(instance_id=ref["instance_id"])).status


def act(client, ref, action):
    request = PauseResumeDataSynchronizationRequest(instance_id=ref["instance_id"], body=ActionBody(action=action))
    return client.pause_resume_data_synchronization(request).job_id


def wait_for(client, ref, expected, timeout=10):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = status(client, ref)
        if last == expected:
            return
        time.sleep(0.1)
    pytest.fail("%s stayed %s, expected %s" % (ref["instance_id"], last, expected))


def test_pause_both_then_resume_both(aksk_emulator):
    primary = sdk_client(aksk_emulator, PRIMARY)
    standby = sdk_client(aksk_emulator, STANDBY)
    assert status(primary, PRIMARY) == "SYNCING"

    jobs = [act(primary, PRIMARY, "pause"), act(standby, STANDBY, "pause")]
    assert all(jobs)
    wait_for(primary, PRIMARY, "SUSPENDED")
    wait_for(standby, STANDBY, "SUSPENDED")
    listed = primary.list_jobs(ListJobsRequest(id=jobs[0]))
    assert listed.total_count == 1
    assert listed.jobs[0].status == "Completed"
    assert listed.jobs[0].instance.id == PRIMARY["instance_id"]

    act(primary, PRIMARY, "resume")
    act(standby, STANDBY, "resume")
    wait_for(primary, PRIMARY, "SYNCING")
    wait_for(standby, STANDBY, "SYNCING")

    shown = primary.show_pause_resume_stutus(ShowPauseResumeStutusRequest(instance_id=PRIMARY["instance_id"]))
    assert shown.master_instance_id == PRIMARY["instance_id"]
    assert shown.slave_instance_id == STANDBY["instance_id"]
    assert {r.scene for r in shown.rto_and_rpo_indicators} == {"FAILOVER", "SWITCHOVER"}
    instances = primary.list_instances(ListInstancesRequest(id=PRIMARY["instance_id"]))
    assert instances.total_count == 1 and instances.instances[0].status == "normal"


def test_pause_takes_effect_only_once_both_sides_were_called(aksk_emulator):
    primary = sdk_client(aksk_emulator, PRIMARY)
    standby = sdk_client(aksk_emulator, STANDBY)
    job = act(primary, PRIMARY, "pause")
    deadline = time.time() + 10
    while primary.list_jobs(ListJobsRequest(id=job)).jobs[0].status != "Completed":
        assert time.time() < deadline, "the primary's pause job never completed"
        time.sleep(0.1)
    # Its job completed, yet both sides read SUSPENDING until the standby is called.
    assert status(primary, PRIMARY) == "SUSPENDING"
    assert status(standby, STANDBY) == "SUSPENDING"
    act(standby, STANDBY, "pause")
    wait_for(primary, PRIMARY, "SUSPENDED")
    wait_for(standby, STANDBY, "SUSPENDED")


def test_wrong_secret_key_is_401(aksk_emulator):
    client = sdk_client(aksk_emulator, PRIMARY, sk="not-the-secret-key")
    with pytest.raises(exceptions.ClientRequestException) as raised:
        status(client, PRIMARY)
    assert raised.value.status_code == 401
    assert raised.value.error_code == "APIGW.0301"
    assert raised.value.request_id


def test_unknown_instance_is_404(aksk_emulator):
    client = sdk_client(aksk_emulator, PRIMARY)
    with pytest.raises(exceptions.ClientRequestException) as raised:
        status(client, {"instance_id": "00000000000000000000000000000000in12"})
    assert raised.value.status_code == 404
    assert raised.value.error_code == "DBS.200002"


def test_resume_while_syncing_is_refused(aksk_emulator):
    client = sdk_client(aksk_emulator, PRIMARY)
    with pytest.raises(exceptions.ClientRequestException) as raised:
        act(client, PRIMARY, "resume")
    assert raised.value.status_code == 403
    assert raised.value.error_code == "DBS.200011"
    assert status(client, PRIMARY) == "SYNCING"


def test_bad_action_is_400(aksk_emulator):
    client = sdk_client(aksk_emulator, PRIMARY)
    with pytest.raises(exceptions.ClientRequestException) as raised:
        act(client, PRIMARY, "explode")
    assert raised.value.status_code == 400
    assert raised.value.error_code == "DBS.200001"


def token_request(password, project=PRIMARY["region"]):
    return {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": USER, "password": password, "domain": {"name": DOMAIN}}}},
        "scope": {"project": {"name": project}}}}


def test_iam_token_authenticates_and_wrong_password_is_401(password_emulator):
    url = password_emulator.url
    answer = requests.post(url + "/v3/auth/tokens", json=token_request(PASSWORD), timeout=5)
    assert answer.status_code == 201
    token = answer.headers["X-Subject-Token"]
    assert answer.json()["token"]["expires_at"]
    assert answer.headers.get("X-Request-Id")

    path = "/v3/%s/instances/%s/disaster-recovery/data-synchronization" % (
        PRIMARY["project_id"], PRIMARY["instance_id"])
    ok = requests.get(url + path, headers={"X-Auth-Token": token}, timeout=5)
    assert ok.status_code == 200
    assert ok.json()["status"] == "SYNCING"
    paused = requests.post(url + path, headers={"X-Auth-Token": token}, json={"action": "pause"}, timeout=5)
    assert paused.status_code == 202 and paused.json()["job_id"]

    wrong = requests.post(url + "/v3/auth/tokens", json=token_request("wrong password"), timeout=5)
    assert wrong.status_code == 401
    assert "X-Subject-Token" not in wrong.headers
    bogus = requests.get(url + path, headers={"X-Auth-Token": "MIIbogus"}, timeout=5)
    assert bogus.status_code == 401
    assert bogus.json()["error_code"] == "APIGW.0301"

    requests.post(url + "/_emulator/revoke-tokens", timeout=5)
    revoked = requests.get(url + path, headers={"X-Auth-Token": token}, timeout=5)
    assert revoked.status_code == 401


def test_aksk_is_refused_when_the_config_names_password(password_emulator):
    client = sdk_client(password_emulator, PRIMARY)
    with pytest.raises(exceptions.ClientRequestException) as raised:
        status(client, PRIMARY)
    assert raised.value.status_code == 401


def test_request_log_has_no_secrets(aksk_emulator):
    client = sdk_client(aksk_emulator, PRIMARY)
    status(client, PRIMARY)
    log = requests.get(aksk_emulator.url + "/_emulator/requests", timeout=5).text
    entries = json.loads(log)["requests"]
    assert entries and entries[-1]["auth"] == "aksk" and entries[-1]["status"] == 200
    assert SK not in log and "Signature" not in log


def test_throttle_fault_gives_429_with_retry_after(aksk_emulator):
    requests.put(aksk_emulator.url + "/_emulator/faults", json={"throttle_burst": 1, "retry_after_seconds": 3},
                 timeout=5)
    path = "/v3/%s/instances" % PRIMARY["project_id"]
    answer = requests.get(aksk_emulator.url + path, timeout=5)
    assert answer.status_code == 429
    assert answer.json()["error_code"] == "APIGW.0308"
    assert answer.headers["Retry-After"] == "3"


def test_sigterm_exits_zero(aksk_emulator):
    assert aksk_emulator.stop() == 0
