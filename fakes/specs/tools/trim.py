#!/usr/bin/env python3
"""Trim a vendor's OpenAPI 3 description to the operations `infra` manages.

Usage:
    python3 trim.py VENDOR INPUT.json OUTPUT.json [--source TEXT] [--profile prism] [--indent N]

VENDOR is one of: cloudflare, github, vercel (the kept operations for each are
listed below in KEEP). INPUT is the vendor's full description (JSON); OUTPUT is
written as a standalone OpenAPI 3 JSON document holding:

  * openapi, info, servers, top-level security, externalDocs (as in INPUT);
  * only the kept operations (other methods on a kept path are dropped; path
    level `parameters`, `servers`, `summary`, `description` are kept);
  * every component that the kept operations reference, followed through
    `$ref` and `discriminator.mapping` transitively (schemas, parameters,
    responses, requestBodies, headers, examples, links, callbacks);
  * all securitySchemes (security requirements name them, not `$ref` them);
  * the top-level tags the kept operations use.

Vendor-SDK-only extensions listed in STRIP_EXTENSIONS are removed. The script
fails if a kept operation marked required is missing from INPUT or if any
`$ref` in OUTPUT does not resolve inside OUTPUT. Optional operations that are
missing are reported on stderr and skipped.

Every output also gets the NORMALIZATIONS below: rewrites that keep what the
vendor wrote but in a form OpenAPI 3.0.3 allows (a strict validator such as
openapi-spec-validator rejects the originals). Each one that changed
something is counted in info.x-trimmed.normalizations.

With `--profile prism` the output also gets the adjustments listed in
PRISM_FIXES below, each recorded in info.x-trimmed.fixes. They make Stoplight
Prism's request validation follow what the description means (OpenAPI 3.0
readOnly semantics) or what the vendor's newer descriptions say (Cloudflare
security alternatives, DNS record request bodies, bodyless DELETEs).

Standard library only; no network.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys

# (METHOD, PATH, required). required=False means "keep if the description has it".
KEEP: dict[str, list[tuple[str, str, bool]]] = {
    "cloudflare": [
        # Zones: list (filter ?name=) and get.
        ("get", "/zones", True),
        ("get", "/zones/{zone_id}", True),
        # DNS records.
        ("get", "/zones/{zone_id}/dns_records", True),
        ("post", "/zones/{zone_id}/dns_records", True),
        ("get", "/zones/{zone_id}/dns_records/{dns_record_id}", True),
        ("put", "/zones/{zone_id}/dns_records/{dns_record_id}", True),
        ("patch", "/zones/{zone_id}/dns_records/{dns_record_id}", True),
        ("delete", "/zones/{zone_id}/dns_records/{dns_record_id}", True),
        ("post", "/zones/{zone_id}/dns_records/batch", False),
        # Zone settings: all at once, and one by one (ssl, always_use_https,
        # min_tls_version, security_header, tls_1_3, ... are values of
        # {setting_id}; newer descriptions also have per-setting paths).
        ("get", "/zones/{zone_id}/settings", True),
        ("patch", "/zones/{zone_id}/settings", True),
        ("get", "/zones/{zone_id}/settings/{setting_id}", True),
        ("patch", "/zones/{zone_id}/settings/{setting_id}", True),
        # Zone rulesets and phase entry points.
        ("get", "/zones/{zone_id}/rulesets", True),
        ("post", "/zones/{zone_id}/rulesets", True),
        ("get", "/zones/{zone_id}/rulesets/{ruleset_id}", True),
        ("put", "/zones/{zone_id}/rulesets/{ruleset_id}", True),
        ("delete", "/zones/{zone_id}/rulesets/{ruleset_id}", True),
        ("get", "/zones/{zone_id}/rulesets/phases/{ruleset_phase}/entrypoint", True),
        ("put", "/zones/{zone_id}/rulesets/phases/{ruleset_phase}/entrypoint", True),
        # Health checks (zone-level uptime monitors).
        ("get", "/zones/{zone_id}/healthchecks", True),
        ("post", "/zones/{zone_id}/healthchecks", True),
        ("get", "/zones/{zone_id}/healthchecks/{healthcheck_id}", True),
        ("put", "/zones/{zone_id}/healthchecks/{healthcheck_id}", True),
        ("patch", "/zones/{zone_id}/healthchecks/{healthcheck_id}", True),
        ("delete", "/zones/{zone_id}/healthchecks/{healthcheck_id}", True),
        # Load balancer monitors (account level).
        ("get", "/accounts/{account_id}/load_balancers/monitors", True),
        ("post", "/accounts/{account_id}/load_balancers/monitors", True),
        ("get", "/accounts/{account_id}/load_balancers/monitors/{monitor_id}", True),
        ("put", "/accounts/{account_id}/load_balancers/monitors/{monitor_id}", True),
        ("patch", "/accounts/{account_id}/load_balancers/monitors/{monitor_id}", True),
        ("delete", "/accounts/{account_id}/load_balancers/monitors/{monitor_id}", True),
        # Page rules (legacy).
        ("get", "/zones/{zone_id}/pagerules", True),
        ("post", "/zones/{zone_id}/pagerules", True),
        ("get", "/zones/{zone_id}/pagerules/{pagerule_id}", True),
        ("put", "/zones/{zone_id}/pagerules/{pagerule_id}", True),
        ("patch", "/zones/{zone_id}/pagerules/{pagerule_id}", True),
        ("delete", "/zones/{zone_id}/pagerules/{pagerule_id}", True),
        # DNSSEC and certificate packs (resources in provider-examples).
        ("get", "/zones/{zone_id}/dnssec", False),
        ("patch", "/zones/{zone_id}/dnssec", False),
        ("delete", "/zones/{zone_id}/dnssec", False),
        ("get", "/zones/{zone_id}/ssl/certificate_packs", False),
        ("post", "/zones/{zone_id}/ssl/certificate_packs/order", False),
        ("get", "/zones/{zone_id}/ssl/certificate_packs/{certificate_pack_id}", False),
        ("patch", "/zones/{zone_id}/ssl/certificate_packs/{certificate_pack_id}", False),
        ("delete", "/zones/{zone_id}/ssl/certificate_packs/{certificate_pack_id}", False),
    ],
    "github": [
        # Repositories.
        ("get", "/repos/{owner}/{repo}", True),
        ("patch", "/repos/{owner}/{repo}", True),
        ("delete", "/repos/{owner}/{repo}", True),
        ("post", "/orgs/{org}/repos", True),
        ("post", "/user/repos", True),
        # Branch protection.
        ("get", "/repos/{owner}/{repo}/branches/{branch}/protection", True),
        ("put", "/repos/{owner}/{repo}/branches/{branch}/protection", True),
        ("delete", "/repos/{owner}/{repo}/branches/{branch}/protection", True),
        # Repository rulesets.
        ("get", "/repos/{owner}/{repo}/rulesets", True),
        ("post", "/repos/{owner}/{repo}/rulesets", True),
        ("get", "/repos/{owner}/{repo}/rulesets/{ruleset_id}", True),
        ("put", "/repos/{owner}/{repo}/rulesets/{ruleset_id}", True),
        ("delete", "/repos/{owner}/{repo}/rulesets/{ruleset_id}", True),
        # Actions secrets (repository).
        ("get", "/repos/{owner}/{repo}/actions/secrets/public-key", True),
        ("get", "/repos/{owner}/{repo}/actions/secrets", True),
        ("get", "/repos/{owner}/{repo}/actions/secrets/{secret_name}", True),
        ("put", "/repos/{owner}/{repo}/actions/secrets/{secret_name}", True),
        ("delete", "/repos/{owner}/{repo}/actions/secrets/{secret_name}", True),
        # Actions variables (repository).
        ("get", "/repos/{owner}/{repo}/actions/variables", True),
        ("post", "/repos/{owner}/{repo}/actions/variables", True),
        ("get", "/repos/{owner}/{repo}/actions/variables/{name}", True),
        ("patch", "/repos/{owner}/{repo}/actions/variables/{name}", True),
        ("delete", "/repos/{owner}/{repo}/actions/variables/{name}", True),
        # Environments.
        ("get", "/repos/{owner}/{repo}/environments", True),
        ("get", "/repos/{owner}/{repo}/environments/{environment_name}", True),
        ("put", "/repos/{owner}/{repo}/environments/{environment_name}", True),
        ("delete", "/repos/{owner}/{repo}/environments/{environment_name}", True),
        # Environment secrets.
        ("get", "/repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key", True),
        ("get", "/repos/{owner}/{repo}/environments/{environment_name}/secrets", True),
        ("get", "/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}", True),
        ("put", "/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}", True),
        ("delete", "/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}", True),
        # Environment variables.
        ("get", "/repos/{owner}/{repo}/environments/{environment_name}/variables", True),
        ("post", "/repos/{owner}/{repo}/environments/{environment_name}/variables", True),
        ("get", "/repos/{owner}/{repo}/environments/{environment_name}/variables/{name}", True),
        ("patch", "/repos/{owner}/{repo}/environments/{environment_name}/variables/{name}", True),
        ("delete", "/repos/{owner}/{repo}/environments/{environment_name}/variables/{name}", True),
        # Repository webhooks.
        ("get", "/repos/{owner}/{repo}/hooks", True),
        ("post", "/repos/{owner}/{repo}/hooks", True),
        ("get", "/repos/{owner}/{repo}/hooks/{hook_id}", True),
        ("patch", "/repos/{owner}/{repo}/hooks/{hook_id}", True),
        ("delete", "/repos/{owner}/{repo}/hooks/{hook_id}", True),
        # Deploy keys (no update endpoint: replace = delete + create).
        ("get", "/repos/{owner}/{repo}/keys", True),
        ("post", "/repos/{owner}/{repo}/keys", True),
        ("get", "/repos/{owner}/{repo}/keys/{key_id}", True),
        ("delete", "/repos/{owner}/{repo}/keys/{key_id}", True),
        # Collaborators and team permissions.
        ("get", "/repos/{owner}/{repo}/collaborators", True),
        ("get", "/repos/{owner}/{repo}/collaborators/{username}/permission", True),
        ("put", "/repos/{owner}/{repo}/collaborators/{username}", True),
        ("delete", "/repos/{owner}/{repo}/collaborators/{username}", True),
        ("get", "/repos/{owner}/{repo}/teams", True),
        ("get", "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}", True),
        ("put", "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}", True),
        ("delete", "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}", True),
        # Plan comments on pull requests (issue comments API) and the PR itself.
        ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments", True),
        ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments", True),
        ("get", "/repos/{owner}/{repo}/issues/comments/{comment_id}", True),
        ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}", True),
        ("delete", "/repos/{owner}/{repo}/issues/comments/{comment_id}", True),
        ("get", "/repos/{owner}/{repo}/pulls/{pull_number}", True),
        # ---- Added in infra (fakes/specs/README.md): operations the shared trim left out
        # that the GitHub provider and `infra comment` call.
        # Labels on pull requests (`infra comment -labels`).
        ("get", "/repos/{owner}/{repo}/issues/{issue_number}/labels", True),
        ("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels", True),
        ("delete", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", True),
        ("get", "/repos/{owner}/{repo}/labels/{name}", True),
        ("post", "/repos/{owner}/{repo}/labels", True),
        # Repository extras: topics, vulnerability alerts, templates, forks, Pages.
        ("get", "/repos/{owner}/{repo}/topics", True),
        ("put", "/repos/{owner}/{repo}/topics", True),
        ("get", "/repos/{owner}/{repo}/vulnerability-alerts", True),
        ("put", "/repos/{owner}/{repo}/vulnerability-alerts", True),
        ("delete", "/repos/{owner}/{repo}/vulnerability-alerts", True),
        ("post", "/repos/{template_owner}/{template_repo}/generate", True),
        ("post", "/repos/{owner}/{repo}/forks", True),
        ("get", "/repos/{owner}/{repo}/pages", True),
        ("post", "/repos/{owner}/{repo}/pages", True),
        ("put", "/repos/{owner}/{repo}/pages", True),
        ("delete", "/repos/{owner}/{repo}/pages", True),
        # Branches and signed-commit protection.
        ("get", "/repos/{owner}/{repo}/branches/{branch}", True),
        ("get", "/repos/{owner}/{repo}/branches/{branch}/protection/required_signatures", True),
        ("post", "/repos/{owner}/{repo}/branches/{branch}/protection/required_signatures", True),
        ("delete", "/repos/{owner}/{repo}/branches/{branch}/protection/required_signatures", True),
        # Users and teams (data "github_user", github_team).
        ("get", "/user", True),
        ("get", "/users/{username}", True),
        ("get", "/orgs/{org}/teams", True),
        ("post", "/orgs/{org}/teams", True),
        ("get", "/orgs/{org}/teams/{team_slug}", True),
        ("patch", "/orgs/{org}/teams/{team_slug}", True),
        ("delete", "/orgs/{org}/teams/{team_slug}", True),
    ],
    "vercel": [
        # Projects (teamId/slug query parameters scope every call).
        ("get", "/v10/projects", True),
        ("post", "/v11/projects", True),
        ("get", "/v9/projects/{idOrName}", True),
        ("patch", "/v9/projects/{idOrName}", True),
        ("delete", "/v9/projects/{idOrName}", True),
        # Deployment protection bypass (automation secret); the other
        # protection settings are fields of the project PATCH body.
        ("patch", "/v1/projects/{idOrName}/protection-bypass", False),
        # Project environment variables.
        ("get", "/v10/projects/{idOrName}/env", True),
        ("post", "/v10/projects/{idOrName}/env", True),
        ("get", "/v1/projects/{idOrName}/env/{id}", True),
        ("patch", "/v9/projects/{idOrName}/env/{id}", True),
        ("delete", "/v9/projects/{idOrName}/env/{id}", True),
        # Project domains.
        ("get", "/v9/projects/{idOrName}/domains", True),
        ("post", "/v10/projects/{idOrName}/domains", True),
        ("get", "/v9/projects/{idOrName}/domains/{domain}", True),
        ("patch", "/v9/projects/{idOrName}/domains/{domain}", True),
        ("delete", "/v9/projects/{idOrName}/domains/{domain}", True),
        ("post", "/v9/projects/{idOrName}/domains/{domain}/verify", True),
        # Domains (account/team level) and their configuration check.
        ("get", "/v5/domains", True),
        ("post", "/v7/domains", False),
        ("get", "/v5/domains/{domain}", True),
        ("delete", "/v6/domains/{domain}", True),
        ("get", "/v6/domains/{domain}/config", True),
        # DNS records.
        ("get", "/v4/domains/{domain}/records", True),
        ("post", "/v2/domains/{domain}/records", True),
        ("patch", "/v1/domains/records/{recordId}", True),
        ("delete", "/v2/domains/{domain}/records/{recordId}", True),
    ],
}

# Extensions added by SDK generators rather than by the vendor's API description.
STRIP_EXTENSIONS: dict[str, set[str]] = {
    "cloudflare": set(),
    "github": {"x-octokit"},
    "vercel": {"x-speakeasy-test", "x-speakeasy-usage-example"},
}

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
COMPONENT_KINDS = (
    "schemas",
    "parameters",
    "responses",
    "requestBodies",
    "headers",
    "examples",
    "links",
    "callbacks",
)
PATH_ITEM_FIELDS = ("summary", "description", "servers", "parameters", "$ref")


def strip_extensions(node, names: set[str]):
    if not names:
        return node
    if isinstance(node, dict):
        return {k: strip_extensions(v, names) for k, v in node.items() if k not in names}
    if isinstance(node, list):
        return [strip_extensions(v, names) for v in node]
    return node


def local_refs(node):
    """Yield every local JSON pointer that `node` refers to."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            ref = cur.get("$ref")
            if isinstance(ref, str):
                yield ref
            disc = cur.get("discriminator")
            if isinstance(disc, dict) and isinstance(disc.get("mapping"), dict):
                for target in disc["mapping"].values():
                    if isinstance(target, str) and target.startswith("#/"):
                        yield target
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)


def split_component_ref(ref: str) -> tuple[str, str]:
    """'#/components/schemas/Foo' -> ('schemas', 'Foo'); raise on anything else."""
    if not ref.startswith("#/components/"):
        raise ValueError(f"unsupported $ref (not a local component): {ref}")
    parts = ref[len("#/components/"):].split("/")
    if len(parts) != 2:
        raise ValueError(f"unsupported $ref (pointer into a component): {ref}")
    kind, name = parts
    name = name.replace("~1", "/").replace("~0", "~")
    if kind not in COMPONENT_KINDS:
        raise ValueError(f"unsupported component kind in $ref: {ref}")
    return kind, name


def trim(spec: dict, vendor: str, source_note: str | None) -> tuple[dict, list[str]]:
    keep = KEEP[vendor]
    missing_optional: list[str] = []
    missing_required: list[str] = []
    paths_out: dict[str, dict] = {}

    for method, path, required in keep:
        item = spec.get("paths", {}).get(path)
        if item is None or method not in item:
            (missing_required if required else missing_optional).append(f"{method.upper()} {path}")
            continue
        out_item = paths_out.setdefault(
            path, {k: copy.deepcopy(v) for k, v in item.items() if k in PATH_ITEM_FIELDS or k.startswith("x-")}
        )
        out_item[method] = copy.deepcopy(item[method])

    if missing_required:
        raise SystemExit("required operations missing from input:\n  " + "\n  ".join(missing_required))

    # Keep the source's method order inside each path item.
    for path, out_item in paths_out.items():
        src = spec["paths"][path]
        paths_out[path] = {k: out_item[k] for k in src if k in out_item}

    strip = STRIP_EXTENSIONS.get(vendor, set())
    paths_out = strip_extensions(paths_out, strip)

    src_components = spec.get("components", {})
    wanted: dict[str, set[str]] = {k: set() for k in COMPONENT_KINDS}
    queue = list(local_refs(paths_out))
    while queue:
        kind, name = split_component_ref(queue.pop())
        if name in wanted[kind]:
            continue
        if name not in src_components.get(kind, {}):
            raise SystemExit(f"dangling $ref in input: #/components/{kind}/{name}")
        wanted[kind].add(name)
        queue.extend(local_refs(src_components[kind][name]))

    components_out: dict[str, dict] = {}
    for kind in src_components:
        if kind == "securitySchemes":
            components_out[kind] = copy.deepcopy(src_components[kind])
        elif kind in wanted and wanted[kind]:
            components_out[kind] = {
                name: strip_extensions(copy.deepcopy(src_components[kind][name]), strip)
                for name in src_components[kind]
                if name in wanted[kind]
            }

    used_tags = {t for item in paths_out.values() for m in METHODS if m in item for t in item[m].get("tags", [])}

    out: dict = {}
    for key in ("openapi", "info", "externalDocs", "servers", "security"):
        if key in spec:
            out[key] = copy.deepcopy(spec[key])
    if "tags" in spec:
        tags = [t for t in spec["tags"] if t.get("name") in used_tags]
        if tags:
            out["tags"] = tags
    out["paths"] = paths_out
    out["components"] = components_out
    op_count = sum(1 for item in paths_out.values() for m in METHODS if m in item)
    out["info"]["x-trimmed"] = {
        "source": source_note or "",
        "operations": op_count,
        "note": "Trimmed for infra: only the listed operations and the components they reference.",
    }
    return out, missing_optional


# ------------------------------------------------------------------ normalizations
NORMALIZATIONS = [
    ("status-range-uppercase",
     "Response keys like '4xx' become '4XX': OpenAPI 3.0 allows only the uppercase X, "
     "and Prism does not match a lowercase range."),
    ("enum-dedupe",
     "Repeated values in an `enum` are dropped (JSON Schema requires unique items; "
     "the set of allowed values is unchanged)."),
    ("empty-union-never",
     "`oneOf: []` / `anyOf: []` (a generator's encoding of TypeScript `never`, which no "
     "value satisfies) become `not: {}`, which no value satisfies either."),
    ("array-default-wrap",
     "A scalar `default` on a `type: array` schema becomes a one-element array "
     "(e.g. \"200\" -> [\"200\"])."),
]


def _schema_nodes(doc):
    """Dicts that can be Schema Objects: everything but example/default/enum payloads
    and extension values (a `properties` map is entered whatever its keys are)."""
    stack = [(doc, None)]
    while stack:
        cur, parent_key = stack.pop()
        if isinstance(cur, dict):
            yield cur
            for k, v in cur.items():
                if parent_key != "properties" and (
                        k in ("example", "examples", "default", "enum") or k.startswith("x-")):
                    continue
                stack.append((v, k))
        elif isinstance(cur, list):
            stack.extend((v, None) for v in cur)


def norm_status_ranges(doc) -> int:
    n = 0
    for path_item in doc.get("paths", {}).values():
        for method in METHODS:
            op = path_item.get(method)
            if not op or "responses" not in op:
                continue
            responses = op["responses"]
            lower = [k for k in responses if len(k) == 3 and k[0] in "12345" and k[1:] == "xx"]
            if lower:
                n += len(lower)
                op["responses"] = {(k.upper() if k in lower else k): v for k, v in responses.items()}
    return n


def norm_enum_dedupe(doc) -> int:
    n = 0
    for node in _schema_nodes(doc):
        values = node.get("enum")
        if isinstance(values, list):
            seen, kept = set(), []
            for v in values:
                key = json.dumps(v, sort_keys=True)
                if key not in seen:
                    seen.add(key)
                    kept.append(v)
            if len(kept) != len(values):
                node["enum"] = kept
                n += 1
    return n


def norm_empty_unions(doc) -> int:
    n = 0
    for node in _schema_nodes(doc):
        for key in ("oneOf", "anyOf"):
            if node.get(key) == []:
                del node[key]
                node["not"] = {}
                n += 1
        if node.get("allOf") == []:
            del node["allOf"]
            n += 1
    return n


def norm_array_defaults(doc) -> int:
    n = 0
    for node in _schema_nodes(doc):
        if node.get("type") == "array" and "default" in node and not isinstance(node["default"], list) \
                and node["default"] is not None:
            node["default"] = [node["default"]]
            n += 1
    return n


def apply_normalizations(doc) -> dict[str, int]:
    steps = {
        "status-range-uppercase": norm_status_ranges,
        "enum-dedupe": norm_enum_dedupe,
        "empty-union-never": norm_empty_unions,
        "array-default-wrap": norm_array_defaults,
    }
    counts = {}
    for nid, _ in NORMALIZATIONS:
        c = steps[nid](doc)
        if c:
            counts[nid] = c
    return counts


# ------------------------------------------------------------------ prism profile
#
# Each fix is (id, vendors or None for all, description). The functions below
# apply them; apply_prism_fixes() records which ones changed something.
PRISM_FIXES = [
    ("schemaless-body-optional", None,
     "A requestBody marked required whose media types have no schema becomes optional "
     "(nothing can be validated in it, and clients send no body, e.g. on DELETE)."),
    ("readonly-required-request-variants", None,
     "OpenAPI 3.0: a readOnly property listed in `required` is required in responses only. "
     "Prism drops such entries only at the top level of a request schema, not inside "
     "oneOf/anyOf/allOf branches or referenced schemas; request bodies therefore point to "
     "'<name>__request' copies of the affected schemas with those entries removed."),
    ("cloudflare-security-alternatives", {"cloudflare"},
     "Every operation accepts either an API token (Authorization: Bearer) or X-Auth-Email + "
     "X-Auth-Key. Some operations of this revision listed only the key pair, or required "
     "all three together; newer revisions list both alternatives."),
    ("cloudflare-dns-record-request-bodies", {"cloudflare"},
     "DNS record create/overwrite bodies no longer require the response-only fields "
     "(id, proxiable, created_on, modified_on) that this revision's shared record schema "
     "requires at its top level; the PATCH body requires nothing (partial update). Newer "
     "revisions use separate request schemas for these."),
]

REQUEST_SUFFIX = "__request"
PATCH_SUFFIX = "__patch"
SCHEMA_PREFIX = "#/components/schemas/"


def _iter_operations(doc):
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _resolve_request_body(doc, rb):
    if "$ref" in rb:
        kind, name = split_component_ref(rb["$ref"])
        return doc["components"][kind][name]
    return rb


def fix_schemaless_bodies(doc) -> bool:
    changed = False
    for _, _, op in _iter_operations(doc):
        rb = op.get("requestBody")
        if not rb:
            continue
        rb = _resolve_request_body(doc, rb)
        content = rb.get("content", {})
        if rb.get("required") and content and all("schema" not in m for m in content.values()):
            rb["required"] = False
            changed = True
    return changed


class ReadOnlyRequestVariants:
    """Copies of schemas, for request bodies, without readOnly names in `required`."""

    def __init__(self, doc):
        self.doc = doc
        self.schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        self.needed: set[str] = set()

    def deref(self, node, limit=64):
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith(SCHEMA_PREFIX):
            node = self.schemas[node["$ref"][len(SCHEMA_PREFIX):]]
            limit -= 1
            if limit == 0:
                raise SystemExit("$ref loop while resolving schemas")
        return node

    def level_props(self, node, seen=frozenset()):
        """Property definitions that apply to the same JSON instance as `node`."""
        node = self.deref(node)
        if not isinstance(node, dict) or id(node) in seen:
            return {}
        seen = seen | {id(node)}
        out: dict[str, list] = {}
        for name, prop in node.get("properties", {}).items():
            out.setdefault(name, []).append(prop)
        for comb in ("allOf", "oneOf", "anyOf"):
            for branch in node.get(comb, []):
                for name, defs in self.level_props(branch, seen).items():
                    out.setdefault(name, []).extend(defs)
        return out

    def is_readonly(self, prop) -> bool:
        prop = self.deref(prop)
        if not isinstance(prop, dict):
            return False
        if prop.get("readOnly") is True:
            return True
        return any(isinstance(self.deref(b), dict) and self.deref(b).get("readOnly") is True
                   for b in prop.get("allOf", []))

    def rewrite(self, node, ctx=None):
        """Return (new_node, changed) for `node` seen in a request body."""
        if isinstance(node, list):
            out, changed = [], False
            for v in node:
                nv, c = self.rewrite(v, ctx)
                out.append(nv)
                changed |= c
            return out, changed
        if not isinstance(node, dict):
            return node, False
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX):
            name = ref[len(SCHEMA_PREFIX):]
            if name in self.needed:
                return {**node, "$ref": SCHEMA_PREFIX + name + REQUEST_SUFFIX}, True
            return node, False
        level = {k: list(v) for k, v in (ctx or {}).items()}
        for name, defs in self.level_props(node).items():
            level.setdefault(name, []).extend(defs)
        new, changed = {}, False
        for key, value in node.items():
            if key == "required" and isinstance(value, list):
                keep = [n for n in value
                        if not (level.get(n) and all(self.is_readonly(p) for p in level[n]))]
                changed |= len(keep) != len(value)
                if keep:
                    new[key] = keep
            elif key in ("allOf", "oneOf", "anyOf") and isinstance(value, list):
                new[key], c = self.rewrite(value, level)
                changed |= c
            elif key == "properties" and isinstance(value, dict):
                props = {}
                for pname, pschema in value.items():
                    props[pname], c = self.rewrite(pschema, None)
                    changed |= c
                new[key] = props
            elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
                new[key], c = self.rewrite(value, None)
                changed |= c
            elif key == "discriminator" and isinstance(value, dict) and isinstance(value.get("mapping"), dict):
                mapping = {}
                for k, target in value["mapping"].items():
                    tname = target[len(SCHEMA_PREFIX):] if target.startswith(SCHEMA_PREFIX) else None
                    if tname in self.needed:
                        mapping[k] = SCHEMA_PREFIX + tname + REQUEST_SUFFIX
                        changed = True
                    else:
                        mapping[k] = target
                new[key] = {**value, "mapping": mapping}
            else:
                new[key] = value
        return new, changed

    def request_media(self):
        for _, _, op in _iter_operations(self.doc):
            rb = op.get("requestBody")
            if not rb:
                continue
            for media in _resolve_request_body(self.doc, rb).get("content", {}).values():
                if "schema" in media:
                    yield media

    def apply(self) -> bool:
        # Schemas reachable from request bodies.
        reach: set[str] = set()
        queue = [m["schema"] for m in self.request_media()]
        while queue:
            for ref in local_refs(queue.pop()):
                if ref.startswith(SCHEMA_PREFIX):
                    name = ref[len(SCHEMA_PREFIX):]
                    if name not in reach:
                        reach.add(name)
                        queue.append(self.schemas[name])
        # Fixed point: a schema needs a variant if rewriting it changes anything.
        grew = True
        while grew:
            grew = False
            for name in sorted(reach - self.needed):
                if self.rewrite(self.schemas[name])[1]:
                    self.needed.add(name)
                    grew = True
        for name in sorted(self.needed):
            vname = name + REQUEST_SUFFIX
            if vname in self.schemas:
                raise SystemExit(f"schema name clash: {vname}")
        variants = {name + REQUEST_SUFFIX: self.rewrite(self.schemas[name])[0] for name in sorted(self.needed)}
        changed = bool(variants)
        for media in self.request_media():
            media["schema"], c = self.rewrite(media["schema"])
            changed |= c
        self.schemas.update(variants)
        return changed


def fix_cloudflare_security(doc) -> bool:
    want = [{"api_token": []}, {"api_email": [], "api_key": []}]
    changed = False
    for _, _, op in _iter_operations(doc):
        sec = op.get("security")
        if sec is None or sec == want:
            continue
        if {name for req in sec for name in req} <= {"api_token", "api_email", "api_key"}:
            op["security"] = copy.deepcopy(want)
            changed = True
    return changed


def fix_cloudflare_dns_bodies(doc) -> bool:
    schemas = doc["components"]["schemas"]
    base = "dns-records_dns-record"
    if base not in schemas:
        return False

    def without_required(name: str) -> dict:
        variant = copy.deepcopy(schemas[name])
        variant.pop("required", None)
        return variant

    # Create / overwrite: the record-type branches keep their own `required`
    # (type, name, content); only the shared top-level list goes.
    schemas[base + REQUEST_SUFFIX] = without_required(base)
    # Partial update: nothing is required, and since several record types can
    # match a partial body, the branches are combined with anyOf.
    patch = without_required(base)
    branches = []
    for branch in patch.pop("oneOf", []) + patch.pop("anyOf", []):
        bref = branch.get("$ref", "")
        if bref.startswith(SCHEMA_PREFIX):
            bname = bref[len(SCHEMA_PREFIX):]
            schemas[bname + PATCH_SUFFIX] = without_required(bname)
            branches.append({"$ref": SCHEMA_PREFIX + bname + PATCH_SUFFIX})
        else:
            branches.append(branch)
    patch["anyOf"] = branches
    schemas[base + PATCH_SUFFIX] = patch

    targets = {
        ("post", "/zones/{zone_id}/dns_records"): base + REQUEST_SUFFIX,
        ("put", "/zones/{zone_id}/dns_records/{dns_record_id}"): base + REQUEST_SUFFIX,
        ("patch", "/zones/{zone_id}/dns_records/{dns_record_id}"): base + PATCH_SUFFIX,
    }
    changed = False
    for (method, path), vname in targets.items():
        op = doc["paths"].get(path, {}).get(method)
        if not op or "requestBody" not in op:
            continue
        media = _resolve_request_body(doc, op["requestBody"]).get("content", {}).get("application/json", {})
        if media.get("schema", {}).get("$ref") in (SCHEMA_PREFIX + base, SCHEMA_PREFIX + base + REQUEST_SUFFIX):
            media["schema"] = {"$ref": SCHEMA_PREFIX + vname}
            changed = True
    return changed


def apply_prism_fixes(doc: dict, vendor: str) -> list[str]:
    applied = []
    steps = [
        ("schemaless-body-optional", fix_schemaless_bodies),
        ("cloudflare-security-alternatives", fix_cloudflare_security),
        ("readonly-required-request-variants", lambda d: ReadOnlyRequestVariants(d).apply()),
        ("cloudflare-dns-record-request-bodies", fix_cloudflare_dns_bodies),
    ]
    vendors = {fid: v for fid, v, _ in PRISM_FIXES}
    for fid, fn in steps:
        if vendors[fid] is not None and vendor not in vendors[fid]:
            continue
        if fn(doc):
            applied.append(fid)
    return applied


def check_refs(doc: dict) -> None:
    comps = doc.get("components", {})
    for ref in local_refs(doc):
        kind, name = split_component_ref(ref)
        if name not in comps.get(kind, {}):
            raise SystemExit(f"output has a dangling $ref: {ref}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("vendor", choices=sorted(KEEP))
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--source", help="provenance text stored in info.x-trimmed.source")
    ap.add_argument("--profile", choices=("plain", "prism"), default="plain",
                    help="plain: trimming and NORMALIZATIONS (default); prism: also PRISM_FIXES")
    ap.add_argument("--indent", type=int, default=2, help="JSON indent (default 2; 0 for compact)")
    args = ap.parse_args(argv)

    with open(args.input, encoding="utf-8") as f:
        spec = json.load(f)
    if not str(spec.get("openapi", "")).startswith("3."):
        raise SystemExit(f"{args.input}: not an OpenAPI 3 document")

    out, missing_optional = trim(spec, args.vendor, args.source)
    normalized = apply_normalizations(out)
    descriptions = {nid: text for nid, text in NORMALIZATIONS}
    out["info"]["x-trimmed"]["normalizations"] = [
        {"id": nid, "count": count, "description": descriptions[nid]} for nid, count in normalized.items()]
    if args.profile == "prism":
        applied = apply_prism_fixes(out, args.vendor)
        descriptions = {fid: text for fid, _, text in PRISM_FIXES}
        out["info"]["x-trimmed"]["profile"] = "prism"
        out["info"]["x-trimmed"]["fixes"] = [{"id": fid, "description": descriptions[fid]} for fid in applied]
    check_refs(out)

    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=args.indent or None, ensure_ascii=False)
        f.write("\n")

    ops = out["info"]["x-trimmed"]["operations"]
    counts = {k: len(v) for k, v in out["components"].items()}
    print(f"{args.vendor}: {len(out['paths'])} paths, {ops} operations, components {counts}", file=sys.stderr)
    for m in missing_optional:
        print(f"{args.vendor}: optional operation not in input, skipped: {m}", file=sys.stderr)
    if normalized:
        print(f"{args.vendor}: normalizations: {normalized}", file=sys.stderr)
    if args.profile == "prism":
        fixes = [f["id"] for f in out["info"]["x-trimmed"]["fixes"]]
        print(f"{args.vendor}: prism fixes applied: {', '.join(fixes) or 'none'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
