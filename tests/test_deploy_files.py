"""The deployment files are complete and consistent: Dockerfile, entrypoint, compose, Kubernetes.

No Docker engine or cluster runs here, so the files are parsed and checked for what an operator
relies on (non-root, health checks, probes on the real endpoints, secrets not inlined, shard
count equal to replicas), the Kubernetes manifests are validated strictly against the API's own
schemas (kubernetes-validate, the OpenAPI schemas of each release bundled), and the entrypoint
script runs for real in a subprocess.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from bot.config import Settings
from tests.support import REPO

K8S = REPO / "deploy" / "k8s"
# The oldest release the manifests need (the StatefulSet reads the apps.kubernetes.io/pod-index label, 1.28+)
# and the newest whose schemas the validator carries.
KUBERNETES_VERSIONS = ("1.28.0", kubernetes_validate.latest_version())


def k8s_documents() -> dict[str, dict]:
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                found[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return found


def test_the_dockerfile_is_multi_stage_non_root_with_a_healthcheck_and_migrates_first():
    text = (REPO / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\w+))?", text, re.M)
    assert len(stages) == 2 and stages[0][1] == "build"
    assert "COPY --from=build /venv /venv" in text
    user = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert user and user[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*127\.0\.0\.1:9100/healthz", text, re.M)
    assert re.search(r'^ENTRYPOINT \["qotd-entrypoint"\]', text, re.M) and re.search(r'^CMD \["run"\]', text, re.M)
    for needed in ("migrations", "content", "alembic.ini", "deploy/docker-entrypoint.sh"):
        assert f"COPY {needed}" in text or f"COPY {needed} " in text or needed in text


@pytest.fixture
def stub_python(tmp_path) -> dict[str, str]:
    """A PATH whose `python` only reports how it was called, to test the entrypoint's own logic."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "python"
    stub.write_text('#!/bin/sh\necho "python $* shards=${DISCORD_SHARD_IDS:-none}" >> "$CALLS"\n')
    stub.chmod(0o755)
    return {"PATH": f"{bin_dir}:/usr/bin:/bin", "CALLS": str(tmp_path / "calls.txt")}


def entrypoint(env: dict[str, str], *args: str) -> list[str]:
    subprocess.run(["sh", str(REPO / "deploy/docker-entrypoint.sh"), *args], env=env, check=True, timeout=30)
    return Path(env["CALLS"]).read_text().splitlines()


def test_the_entrypoint_migrates_before_run_only_and_maps_the_pod_index_to_a_shard(stub_python):
    assert entrypoint(stub_python, "run") == ["python -m bot db upgrade shards=none", "python -m bot run shards=none"]
    Path(stub_python["CALLS"]).unlink()
    env = {**stub_python, "QOTD_MIGRATE_ON_START": "0", "QOTD_POD_INDEX": "3"}
    assert entrypoint(env, "run") == ["python -m bot run shards=3"]
    Path(stub_python["CALLS"]).unlink()
    env = {**stub_python, "QOTD_POD_INDEX": "3", "DISCORD_SHARD_IDS": "0,1"}
    assert entrypoint(env, "db", "current") == ["python -m bot db current shards=0,1"]


def test_the_entrypoint_really_migrates_a_database(tmp_path):
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",  # the test's own environment's python "PYTHONPATH": str(REPO), "QOTD_DATA_DIR": str(tmp_path / "data"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'q.sqlite3'}", "HOME": str(tmp_path)}
    migrate = subprocess.run(["sh", str(REPO / "deploy/docker-entrypoint.sh"), "db", "upgrade"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert migrate.returncode == 0, migrate.stderr
    assert "schema at revision" in migrate.stdout and "None" not in migrate.stdout


def test_compose_runs_postgres_and_qotd_with_every_variable_in_the_env_example():
    compose = yaml.safe_load((REPO / "deploy/docker-compose.yml").read_text())
    db, qotd = compose["services"]["db"], compose["services"]["qotd"]
    assert db["image"].startswith("postgres:") and db["healthcheck"]
    assert qotd["depends_on"]["db"]["condition"] == "service_healthy"
    assert qotd["env_file"] == ".env" and qotd["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert {"3000:3000", "9100:9100"} <= set(qotd["ports"])
    example = (REPO / "deploy/.env.example").read_text()
    names = set(re.findall(r"^([A-Z_]+)=", example, re.M))
    referenced = set(re.findall(r"\$\{([A-Z_]+)", (REPO / "deploy/docker-compose.yml").read_text()))
    assert referenced <= names
    # every variable the example offers is one the bot (or PostgreSQL) actually reads
    known = set(re.findall(r'"((?:QOTD|DISCORD|SLACK)_[A-Z_]+)"', "".join(p.read_text() for p in (REPO / "bot").rglob("*.py"))))
    known |= set(re.findall(r'"((?:SLACK)_[A-Z_]+)"', (REPO / "adapters/slack/settings.py").read_text()))
    assert names - {"POSTGRES_PASSWORD"} <= known, names - known
    assert "deploy/.env" in (REPO / ".gitignore").read_text().split()


def test_the_kubernetes_manifests_are_complete():
    docs = k8s_documents()
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    slack, discord = docs["Deployment/qotd-slack"], docs["StatefulSet/qotd-discord"]
    assert slack["spec"]["replicas"] >= 2
    for workload in (slack, discord, docs["Job/qotd-migrate"]):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        (container,) = pod["containers"]
        assert container["image"] == "qotd" and container["resources"]["limits"]["memory"]
        secret_keys = {e["valueFrom"]["secretKeyRef"]["key"] for e in container.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})}
        secret_keys |= {"*" for e in container.get("envFrom", []) if "secretRef" in e}
        assert secret_keys, f"{workload['metadata']['name']} must take its credentials from the Secret"
        for env in container.get("env", []):
            assert not ("TOKEN" in env["name"] or "SECRET" in env["name"]) or "valueFrom" in env, env
    for workload in (slack, discord):
        (container,) = workload["spec"]["template"]["spec"]["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["ops"] == 9100
        assert workload["spec"]["selector"]["matchLabels"].items() <= workload["spec"]["template"]["metadata"]["labels"].items()
    service = docs["Service/qotd-slack"]
    assert service["spec"]["selector"] == slack["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"][0]["targetPort"] == "slack"
    (job_container,) = docs["Job/qotd-migrate"]["spec"]["template"]["spec"]["containers"]
    assert job_container["args"] == ["db", "upgrade"]
    assert docs["ConfigMap/qotd"]["data"]["QOTD_MIGRATE_ON_START"] == "0"
    # one shard per Discord pod
    (discord_container,) = discord["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in discord_container["env"]}
    assert int(env["DISCORD_SHARD_COUNT"]["value"]) == discord["spec"]["replicas"]
    assert "pod-index" in env["QOTD_POD_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"]
    # the two workloads split the platforms: no Discord token on Slack pods, no Slack secrets on Discord pods
    slack_env = {e["name"] for e in slack["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "DISCORD_TOKEN" not in slack_env and not any(name.startswith("SLACK_") for name in env)
    # The Slack replicas pace their calls separately: together they stay within one workspace's default budget.
    from adapters.slack.pacing import DEFAULT_RATE, PacingSettings

    slack_values = {e["name"]: e.get("value") for e in slack["spec"]["template"]["spec"]["containers"][0]["env"]}
    per_replica = PacingSettings.from_env({"SLACK_RATE_PER_SECOND": slack_values["SLACK_RATE_PER_SECOND"]}).rate
    assert 0 < per_replica * slack["spec"]["replicas"] <= DEFAULT_RATE


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_kubernetes_manifests_pass_the_api_schemas_strictly(version):
    docs = k8s_documents()
    assert len(docs) >= 7
    for name, doc in docs.items():
        try:
            kubernetes_validate.validate(doc, version, strict=True)  # strict: an unknown or misspelt field fails
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name} is not a valid Kubernetes {version} object: {exc.message} at {list(exc.path)}")


def test_the_schema_check_catches_a_misspelt_field():
    deployment = dict(k8s_documents()["Deployment/qotd-slack"])
    deployment["spec"] = {**deployment["spec"], "replica": deployment["spec"]["replicas"]}
    del deployment["spec"]["replicas"]
    with pytest.raises(kubernetes_validate.ValidationError, match="'replica' was unexpected"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)


def test_the_configmap_settings_are_valid_settings():
    data = k8s_documents()["ConfigMap/qotd"]["data"]
    settings = Settings.from_env({**data, "DATABASE_URL": "postgresql://x@y/z"})
    assert settings.ops_port == 9100 and settings.log_format == "json"
