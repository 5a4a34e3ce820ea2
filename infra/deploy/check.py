#!/usr/bin/env python3
"""Validates Meridian's Kubernetes deployment as written.

    python3 infra/deploy/check.py            every manifest, then the README

1. Every manifest under infra/deploy/edge and infra/deploy/backend: a
   SpinApp against the CRD schema of the spin-operator release pinned in
   infra/deploy/schemas/ (strictly: an unknown field is an error) and the
   operator's own admission rules; everything else against the Kubernetes
   schemas of `kubernetes-validate` (strict). Then what no schema sees:
   every variable spin.toml declares is bound in the SpinApp (its secrets
   from Secrets), the runtime configuration names the stores spin.toml uses
   as Redis, and every autoscaler, disruption budget and network policy
   points at workloads that exist.
2. The README's deployment section (infra/deploy/README.md, "## Deploying"):
   its `kubectl` commands are rendered into the objects they create (secrets,
   namespaces) or the files they apply, each validated as above, and every
   Secret the applied manifests name must be one the section creates.

Exits 1 with one line per problem.
"""

from __future__ import annotations

import copy
import re
import shlex
import sys
import tomllib
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "infra" / "deploy"
MANIFESTS = sorted((DEPLOY / "edge").glob("*.yaml")) + sorted((DEPLOY / "backend").glob("*.yaml"))
CRD = DEPLOY / "schemas" / "core.spinkube.dev_spinapps.yaml"
README = DEPLOY / "README.md"
SECTION = "## Deploying"
# The Kubernetes release the manifests are written for (schemas shipped by
# kubernetes-validate).
KUBERNETES = "1.31.0"
# The spin-operator release whose CRD is pinned (infra/deploy/schemas/SOURCE.md).
OPERATOR = "v0.6.1"

problems: list[str] = []


def problem(where: str, what: str) -> None:
    line = f"{where}: {what}"
    # The README's section applies the same files: say each problem once.
    if line not in problems:
        problems.append(line)


def strict(schema: dict) -> dict:
    """The CRD's structural schema with unknown fields refused, as the API
    server's strict field validation does (OpenAPI leaves them allowed)."""
    schema = copy.deepcopy(schema)

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if (
                node.get("type") == "object"
                and "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def spinapp_schema() -> dict:
    crd = yaml.safe_load(CRD.read_text())
    for version in crd["spec"]["versions"]:
        if version["name"] == "v1alpha1":
            schema = strict(version["schema"]["openAPIV3Schema"])
            # Top-level metadata is the API server's, not the CRD's.
            schema["properties"]["metadata"] = {"type": "object"}
            return schema
    raise SystemExit(f"{CRD}: no v1alpha1 version")


SPINAPP = spinapp_schema()


def validate(doc: dict, where: str) -> None:
    """One object against its schema."""
    if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
        problem(where, "not a Kubernetes object (kind and apiVersion)")
        return
    name = f"{where} {doc['kind']}/{doc.get('metadata', {}).get('name', '?')}"
    if doc["kind"] == "SpinApp":
        if doc["apiVersion"] != "core.spinkube.dev/v1alpha1":
            problem(name, f"apiVersion {doc['apiVersion']}: the pinned CRD serves core.spinkube.dev/v1alpha1")
        for error in jsonschema.Draft7Validator(SPINAPP).iter_errors(doc):
            path = ".".join(str(p) for p in error.absolute_path)
            problem(name, f"{path}: {error.message}")
        spec = doc.get("spec", {})
        # spin-operator's admission webhook (internal/webhook/spinapp_validating.go).
        if spec.get("enableAutoscaling") and spec.get("replicas"):
            problem(name, "replicas cannot be set when autoscaling is enabled")
        if not spec.get("enableAutoscaling") and spec.get("replicas", 1) < 1:
            problem(name, "replicas must be > 0")
        return
    try:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(p) for p in error.path)
        problem(name, f"{path}: {error.message}")
    except kubernetes_validate.SchemaNotFoundError as error:
        problem(name, f"no Kubernetes {KUBERNETES} schema: {error}")


def load(path: Path) -> list[dict]:
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError as error:
        problem(str(path.relative_to(ROOT)), f"not YAML: {error}")
        return []
    for doc in docs:
        validate(doc, str(path.relative_to(ROOT)))
    return docs


def namespace(doc: dict, default: str = "default") -> str:
    return doc.get("metadata", {}).get("namespace", default)


def check_spinapp_binds_spin_toml(spinapp: dict, where: str) -> None:
    manifest = tomllib.loads((ROOT / "spin.toml").read_text())
    declared = manifest.get("variables", {})
    bound = {v.get("name"): v for v in spinapp["spec"].get("variables", [])}
    for name, decl in declared.items():
        binding = bound.get(name)
        if binding is None:
            problem(where, f"spin.toml's variable `{name}` is not bound")
            continue
        from_secret = "secretKeyRef" in binding.get("valueFrom", {})
        if decl.get("secret") and not from_secret:
            problem(where, f"`{name}` is a secret in spin.toml: bind it from a Secret (valueFrom.secretKeyRef)")
        if decl.get("required") and not binding.get("value") and not binding.get("valueFrom"):
            problem(where, f"`{name}` is required by spin.toml")
    for name in bound:
        if name not in declared:
            problem(where, f"`{name}` is not a variable spin.toml declares")
    if bound.get("development_mode", {}).get("value", "false") not in ("false", "0", ""):
        problem(where, "development_mode must be off in production")
    for name in ("backend_url_eu", "collector_url_eu"):
        url = bound.get(name, {}).get("value", "")
        if not url.startswith("https://"):
            problem(where, f"`{name}` must be https (backends serve TLS only): {url!r}")
    # The stores spin.toml's components open, as the runtime configuration
    # must provide them.
    stores = {s for c in manifest.get("component", {}).values() for s in c.get("key_value_stores", [])}
    spinapp.setdefault("_stores", stores)


def check_runtime_config(spinapp: dict, docs: list[tuple[str, dict]], where: str) -> None:
    secret_name = spinapp["spec"].get("runtimeConfig", {}).get("loadFromSecret")
    if not secret_name:
        problem(where, "runtimeConfig.loadFromSecret: the Redis key-value stores need a runtime configuration")
        return
    secret = next(
        (
            d
            for _, d in docs
            if d["kind"] == "Secret"
            and d["metadata"]["name"] == secret_name
            and namespace(d) == namespace(spinapp)
        ),
        None,
    )
    if secret is None:
        problem(where, f"runtimeConfig.loadFromSecret names `{secret_name}`, which no manifest defines")
        return
    text = secret.get("stringData", {}).get("runtime-config.toml")
    if text is None:
        problem(where, f"Secret `{secret_name}` has no stringData `runtime-config.toml`")
        return
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        problem(where, f"runtime-config.toml is not TOML: {error}")
        return
    kv = config.get("key_value_store", {})
    services = {d["metadata"]["name"] for _, d in docs if d["kind"] == "Service"}
    for store in sorted(spinapp.pop("_stores", set())):
        entry = kv.get(store)
        if entry is None or entry.get("type") != "redis":
            problem(where, f"runtime-config.toml: key-value store `{store}` must be type = \"redis\" (shared by every edge pod)")
            continue
        host = re.match(r"redis://([^.:/]+)", entry.get("url", ""))
        if not host or host.group(1) not in services:
            problem(where, f"runtime-config.toml: store `{store}`'s url {entry.get('url')!r} names no Service defined here")


def pod_labels(docs: list[tuple[str, dict]]) -> list[tuple[str, str, dict]]:
    """(namespace, workload name, pod labels) of every workload, the
    SpinApp's Deployment as the operator makes it."""
    out = []
    for _, d in docs:
        if d["kind"] in ("Deployment", "StatefulSet"):
            labels = d["spec"]["template"]["metadata"].get("labels", {})
            out.append((namespace(d), d["metadata"]["name"], labels))
        elif d["kind"] == "SpinApp":
            labels = dict(d["spec"].get("podLabels", {}))
            labels["core.spinkube.dev/app-name"] = d["metadata"]["name"]
            out.append((namespace(d), d["metadata"]["name"], labels))
    return out


def selects(selector: dict, labels: dict) -> bool:
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions", []):
        has, value = expr["key"] in labels, labels.get(expr["key"])
        op = expr["operator"]
        if op == "In" and value not in expr.get("values", []):
            return False
        if op == "NotIn" and value in expr.get("values", []):
            return False
        if op == "Exists" and not has:
            return False
        if op == "DoesNotExist" and has:
            return False
    return True


def check_references(docs: list[tuple[str, dict]]) -> None:
    workloads = pod_labels(docs)
    names = {(ns, name) for ns, name, _ in workloads}
    for where, d in docs:
        kind, name, ns = d["kind"], d["metadata"]["name"], namespace(d)
        if kind == "HorizontalPodAutoscaler":
            target = d["spec"]["scaleTargetRef"]
            if (ns, target["name"]) not in names:
                problem(where, f"HPA {name} scales {target['name']}, which is no workload in {ns}")
        if kind in ("PodDisruptionBudget", "Service"):
            selector = d["spec"].get("selector", {})
            if kind == "Service":
                selector = {"matchLabels": selector}
            if not any(w_ns == ns and selects(selector, labels) for w_ns, _, labels in workloads):
                problem(where, f"{kind} {name} selects no pods")
        if kind == "NetworkPolicy":
            if not any(w_ns == ns and selects(d["spec"]["podSelector"], labels) for w_ns, _, labels in workloads):
                problem(where, f"NetworkPolicy {name} protects no pods")
            for rule in d["spec"].get("ingress", []):
                for peer in rule.get("from", []):
                    if "ipBlock" in peer:
                        continue
                    ns_sel = peer.get("namespaceSelector")
                    allowed = [
                        labels
                        for w_ns, _, labels in workloads
                        if (
                            selects(ns_sel, {"kubernetes.io/metadata.name": w_ns})
                            if ns_sel is not None
                            else w_ns == ns
                        )
                        and selects(peer.get("podSelector", {}), labels)
                    ]
                    if not allowed:
                        problem(where, f"NetworkPolicy {name} admits a peer that matches no pods")
                    if any(lbl.get("core.spinkube.dev/app-name") != "meridian-edge" for lbl in allowed):
                        problem(where, f"NetworkPolicy {name} admits pods other than the edge's")


def secret_refs(doc: dict) -> set[tuple[str, str, str | None]]:
    """(namespace, secret, key or None) every reference in `doc` names."""
    ns = namespace(doc)
    refs: set[tuple[str, str, str | None]] = set()
    if doc["kind"] == "SpinApp":
        if name := doc["spec"].get("runtimeConfig", {}).get("loadFromSecret"):
            refs.add((ns, name, None))

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "secretKeyRef" in node:
                refs.add((ns, node["secretKeyRef"]["name"], node["secretKeyRef"]["key"]))
            if "secretName" in node and isinstance(node["secretName"], str):
                refs.add((ns, node["secretName"], None))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc.get("spec", {}))
    return refs


def check_manifests() -> list[tuple[str, dict]]:
    docs = [(str(p.relative_to(ROOT)), d) for p in MANIFESTS for d in load(p)]
    docs = [(w, d) for w, d in docs if isinstance(d, dict) and "kind" in d]
    spinapps = [(w, d) for w, d in docs if d["kind"] == "SpinApp"]
    if len(spinapps) != 1:
        problem("infra/deploy", f"{len(spinapps)} SpinApps: one is the edge")
    for where, spinapp in spinapps:
        check_spinapp_binds_spin_toml(spinapp, where)
        check_runtime_config(spinapp, docs, where)
    check_references(docs)
    for kind in ("HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"):
        if not any(d["kind"] == kind for _, d in docs):
            problem("infra/deploy", f"no {kind}")
    for where, d in docs:
        if d["kind"] in ("Deployment", "StatefulSet"):
            for c in d["spec"]["template"]["spec"]["containers"]:
                for probe in ("readinessProbe", "livenessProbe"):
                    if probe not in c:
                        problem(where, f"{d['metadata']['name']}/{c['name']}: no {probe}")
                if "requests" not in c.get("resources", {}) or "limits" not in c.get("resources", {}):
                    problem(where, f"{d['metadata']['name']}/{c['name']}: resources need requests and limits")
    return docs


def readme_section() -> str:
    text = README.read_text()
    start = text.find(f"\n{SECTION}\n")
    if start < 0:
        raise SystemExit(f"{README}: no `{SECTION}` section")
    rest = text[start + len(SECTION) + 2 :]
    end = re.search(r"^## ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def blocks(section: str) -> list[tuple[str, str]]:
    return re.findall(r"^```(\w*)\n(.*?)^```", section, re.MULTILINE | re.DOTALL)


def commands(script: str) -> list[list[str]]:
    joined = re.sub(r"\\\n\s*", " ", script)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        out.append(shlex.split(line, comments=True))
    return out


def flag(args: list[str], *names: str) -> list[str]:
    """Every value of the flags `names` (`-n x`, `--namespace=x`)."""
    values = []
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                values.append(args[i + 1])
            elif arg.startswith(name + "=") and name.startswith("--"):
                values.append(arg[len(name) + 1 :])
    return values


def render_kubectl(args: list[str], where: str) -> tuple[list[dict], list[tuple[Path, str]]]:
    """The objects a `kubectl` command creates and the files it applies."""
    ns = (flag(args, "-n", "--namespace") or ["default"])[-1]
    verb = args[1:3]
    if verb[:1] == ["apply"]:
        files = []
        for f in flag(args, "-f", "--filename"):
            if f.startswith("https://"):
                if "spin-operator" in f and f"/{OPERATOR}/" not in f:
                    problem(where, f"{f}: the pinned SpinApp CRD is spin-operator {OPERATOR}")
                continue
            path = ROOT / f
            if not path.is_file():
                problem(where, f"kubectl apply -f {f}: no such file")
                continue
            files.append((path, ns))
        return [], files
    if verb == ["create", "namespace"]:
        return [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": args[3]}}], []
    if verb == ["create", "secret"]:
        kind, name = args[3], args[4]
        secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns}}
        if kind == "generic":
            data = {}
            for literal in flag(args, "--from-literal"):
                key, _, value = literal.partition("=")
                data[key] = value
            for entry in flag(args, "--from-file"):
                key, _, path = entry.partition("=")
                data[key if path else Path(key).name] = f"<{path or key}>"
            secret.update(type="Opaque", stringData=data)
        elif kind == "tls":
            if not flag(args, "--cert") or not flag(args, "--key"):
                problem(where, f"kubectl create secret tls {name}: needs --cert and --key")
            secret.update(type="kubernetes.io/tls", stringData={"tls.crt": "<cert>", "tls.key": "<key>"})
        else:
            problem(where, f"kubectl create secret {kind}: not rendered by this check")
        return [secret], []
    if verb[:1] in (["rollout"], ["get"], ["wait"], ["label"], ["annotate"]):
        return [], []
    problem(where, f"`{' '.join(args)}`: a kubectl command this check cannot render")
    return [], []


def check_readme() -> None:
    where = f"{README.relative_to(ROOT)} ({SECTION})"
    created: list[dict] = []
    applied: list[dict] = []
    applied_files: set[Path] = set()
    for lang, body in blocks(readme_section()):
        if lang in ("yaml", "yml"):
            for doc in yaml.safe_load_all(body):
                if doc is not None:
                    validate(doc, f"{where} yaml block")
                    created.append(doc)
        elif lang in ("sh", "bash", "shell"):
            for args in commands(body):
                if args[0] != "kubectl":
                    continue
                objects, files = render_kubectl(args, where)
                for doc in objects:
                    validate(doc, f"{where} `{' '.join(args[:5])}`")
                created.extend(objects)
                for path, ns in files:
                    applied_files.add(path.resolve())
                    for doc in load(path):
                        doc.setdefault("metadata", {}).setdefault("namespace", ns)
                        applied.append(doc)
    for path in MANIFESTS:
        if path not in applied_files:
            problem(where, f"{path.relative_to(ROOT)} is never applied")
    secrets: dict[tuple[str, str], set[str]] = {}
    for doc in created + applied:
        if doc.get("kind") == "Secret":
            keys = set(doc.get("stringData", {})) | set(doc.get("data", {}))
            secrets[(namespace(doc), doc["metadata"]["name"])] = keys
    namespaces = {"default"} | {d["metadata"]["name"] for d in created + applied if d.get("kind") == "Namespace"}
    for doc in created:
        if doc.get("kind") == "Secret" and namespace(doc) not in namespaces:
            problem(where, f"Secret {doc['metadata']['name']} is created in namespace {namespace(doc)}, which nothing creates")
    for doc in applied:
        for ns, name, key in sorted(secret_refs(doc), key=str):
            if (ns, name) not in secrets:
                problem(where, f"{doc['kind']}/{doc['metadata']['name']} needs Secret {ns}/{name}, which the section never creates")
            elif key is not None and key not in secrets[(ns, name)]:
                problem(where, f"{doc['kind']}/{doc['metadata']['name']} needs key `{key}` of Secret {ns}/{name}")


def main() -> int:
    docs = check_manifests()
    check_readme()
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"infra/deploy: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    count = len(docs)
    print(f"infra/deploy: {count} objects in {len(MANIFESTS)} manifests valid (SpinApp: spin-operator {OPERATOR} CRD; the rest: Kubernetes {KUBERNETES}); README's deployment section renders and validates")
    return 0


if __name__ == "__main__":
    sys.exit(main())
