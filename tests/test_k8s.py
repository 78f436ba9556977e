"""The Kubernetes manifests, validated offline against the Kubernetes 1.37 schemas (strict: unknown fields are
errors), and wired together: selectors, probes, GPU requests, settings the app accepts, secrets it needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from app.config import Settings

K8S = Path(__file__).resolve().parents[1] / "docker" / "k8s"
VERSION = "1.37.0"


def documents() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return docs


def by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in documents() if doc["kind"] == kind}


@pytest.mark.parametrize("doc", documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_manifest_is_valid_against_the_kubernetes_schema(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, VERSION, strict=True)


def test_an_invalid_manifest_is_caught() -> None:
    broken = yaml.safe_load((K8S / "app.yaml").read_text().split("---")[0])
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProb"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSION, strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert listed == present


def test_services_select_their_pods_and_the_hpa_targets_the_app() -> None:
    pods = {
        name: doc["spec"]["template"]["metadata"]["labels"]
        for kind in ("Deployment", "StatefulSet")
        for name, doc in by_kind(kind).items()
    }
    for name, service in by_kind("Service").items():
        selector = service["spec"]["selector"]
        assert any(selector.items() <= labels.items() for labels in pods.values()), name
    hpa = by_kind("HorizontalPodAutoscaler")["shopassist"]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "shopassist"}
    assert hpa["spec"]["minReplicas"] >= 2


def test_app_probes_readiness_and_takes_settings_from_the_configmap_and_secret() -> None:
    app = by_kind("Deployment")["shopassist"]["spec"]["template"]["spec"]["containers"][0]
    assert app["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert app["livenessProbe"]["httpGet"]["path"] == "/healthz"
    sources = {next(iter(s)) + ":" + next(iter(s.values()))["name"] for s in app["envFrom"]}
    assert sources == {"configMapRef:shopassist-settings", "secretRef:shopassist-secrets"}


def test_the_settings_in_the_configmap_are_accepted_by_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    config = by_kind("ConfigMap")["shopassist-settings"]["data"]
    secret = by_kind("Secret")["shopassist-secrets"]["stringData"]
    for name, value in config.items():
        monkeypatch.setenv(name, value)
    assert not set(config) & set(secret), "a value is both a setting and a secret"
    with pytest.raises(ValueError, match="at least 24 characters"):
        Settings(_env_file=None, **{"admin_api_key": secret["SHOPASSIST_ADMIN_API_KEY"]})  # placeholders refused
    settings = Settings(_env_file=None, admin_api_key="k" * 32)
    assert settings.env == "production" and settings.llm.backend == "openai"
    assert settings.llm.base_url and settings.llm.base_url.startswith("http://vllm.")
    assert settings.qdrant.url and settings.qdrant.url.startswith("http://qdrant.")
    assert settings.qdrant.shards * settings.qdrant.replication_factor >= 2 * 3  # a shard survives one lost peer
    known = {f"SHOPASSIST_{name.upper()}" for name in Settings.model_fields}
    for name in config:
        assert name.split("__")[0] in known, name


def test_qdrant_runs_three_clustered_peers_with_their_own_volumes() -> None:
    qdrant = by_kind("StatefulSet")["qdrant"]["spec"]
    assert qdrant["replicas"] == 3 and qdrant["volumeClaimTemplates"]
    container = qdrant["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["QDRANT__CLUSTER__ENABLED"]["value"] == "true"
    assert env["QDRANT__SERVICE__API_KEY"]["valueFrom"]["secretKeyRef"]["key"] == "SHOPASSIST_QDRANT__API_KEY"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_vllm_requests_a_gpu_and_serves_the_adapter_with_prefix_caching() -> None:
    spec = by_kind("Deployment")["vllm"]["spec"]["template"]["spec"]
    container = spec["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    args = container["args"]
    for flag in ("--enable-lora", "--enable-prefix-caching", "--served-model-name=shopassist"):
        assert flag in args
    assert any(a.startswith("--gpu-memory-utilization=") for a in args)
    assert any(a.startswith("--max-model-len=") for a in args)
    assert any(a.startswith("--lora-modules=shopassist-ft=/adapters/") for a in args)
    key = next(e for e in container["env"] if e["name"] == "VLLM_API_KEY")
    assert key["valueFrom"]["secretKeyRef"]["key"] == "SHOPASSIST_LLM__API_KEY"
    policy = by_kind("NetworkPolicy")["vllm-from-app-only"]["spec"]
    assert policy["ingress"][0]["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "shopassist"}}}]
