import { test } from "node:test";
import assert from "node:assert/strict";
import {
  parseBuildpackPlan,
  parseDetectPlan,
  parseGroupToml,
  parseOrderToml,
  parsePlanToml,
  parseSystemToml,
  planAlternatives,
  stringifyBuildpackPlan,
  stringifyDetectPlan,
  stringifyGroupToml,
  stringifyOrderToml,
  stringifyPlanToml,
  stringifySystemToml,
  type CnbErrorCode,
} from "./index.js";
import { expectCnbError } from "./testing.js";

test("CNB-8: detect build plan with provides, requires.metadata and [[or]] alternatives", () => {
  const text = `
[[provides]]
name = "node"

[[requires]]
name = "node"
[requires.metadata]
version = "20.*"
build = true

[[or]]
[[or.requires]]
name = "node"
[or.requires.metadata]
version-source = ".nvmrc"
`;
  const p = parseDetectPlan(text);
  assert.deepEqual(p.provides, [{ name: "node" }]);
  assert.deepEqual(p.requires, [{ name: "node", metadata: { version: "20.*", build: true } }]);
  assert.deepEqual(p.or, [{ provides: [], requires: [{ name: "node", metadata: { "version-source": ".nvmrc" } }] }]);
  assert.equal(planAlternatives(p).length, 2);
  assert.deepEqual(parseDetectPlan(stringifyDetectPlan(p)), p);
  // The detector creates the plan file empty; a buildpack that writes nothing has an empty plan.
  assert.deepEqual(parseDetectPlan(""), { provides: [], requires: [], or: [] });
});

test("CNB-8: a top-level requires.version is refused (reference behaviour), also inside [[or]]", () => {
  expectCnbError(() => parseDetectPlan('[[requires]]\nname = "ruby"\nversion = "3.1.3"', "/tmp/plan.toml"), "CNB_INVALID_FIELD", "/tmp/plan.toml", "requires[0].version");
  expectCnbError(() => parseDetectPlan('[[or]]\n[[or.requires]]\nname = "ruby"\nversion = "3"'), "CNB_INVALID_FIELD", "or[0].requires[0].version");
  expectCnbError(() => parseDetectPlan('[[requires]]\nversion = "1"\n[requires.metadata]\nversion = "1"\nname="x"'), "CNB_INVALID_FIELD", "requires[0].version");
  expectCnbError(() => parseDetectPlan("[[provides]]\n"), "CNB_MISSING_FIELD", "provides[0].name");
});

test("CNB-36: plan.toml entries with providers and requires of one name", () => {
  const text = `
[[entries]]
  [[entries.providers]]
    id = "samples/hello-world"
    version = "0.0.1"
  [[entries.requires]]
    name = "some-world"
  [[entries.requires]]
    name = "some-world"
    [entries.requires.metadata]
      world = "Earth-616"
`;
  const p = parsePlanToml(text);
  assert.deepEqual(p, {
    entries: [
      {
        providers: [{ id: "samples/hello-world", version: "0.0.1", extension: false }],
        requires: [
          { name: "some-world", metadata: {} },
          { name: "some-world", metadata: { world: "Earth-616" } },
        ],
      },
    ],
  });
  assert.deepEqual(parsePlanToml(stringifyPlanToml(p)), p);
  assert.deepEqual(parsePlanToml(""), { entries: [] });
});

test("CNB-36: invalid plan.toml entries are named", () => {
  const cases: [string, CnbErrorCode, string][] = [
    ['[[entries]]\n[[entries.requires]]\nname = "a"', "CNB_MISSING_FIELD", "entries[0].providers"],
    ['[[entries]]\n[[entries.providers]]\nid = "a"\nversion = "1"', "CNB_MISSING_FIELD", "entries[0].requires"],
    ['[[entries]]\n[[entries.providers]]\nid = "a"\nversion = "1"\n[[entries.requires]]\nname = "x"\n[[entries.requires]]\nname = "y"', "CNB_CONFLICT", "entries[0].requires"],
    ['[[entries]]\n[[entries.providers]]\nid = "app"\nversion = "1"\n[[entries.requires]]\nname = "x"', "CNB_INVALID_ID", "entries[0].providers[0].id"],
  ];
  for (const [text, code, field] of cases) expectCnbError(() => parsePlanToml(text, "/layers/plan.toml"), code, "/layers/plan.toml", field);
});

test("CNB-11: buildpack plan entries may repeat a name and carry metadata", () => {
  const p = { entries: [{ name: "node", metadata: { version: "20.1.0", launch: true } }, { name: "node", metadata: {} }] };
  assert.deepEqual(parseBuildpackPlan(stringifyBuildpackPlan(p)), p);
  expectCnbError(() => parseBuildpackPlan("[[entries]]\n[entries.metadata]\nx = 1", "/tmp/bp-plan.toml"), "CNB_MISSING_FIELD", "/tmp/bp-plan.toml", "entries[0].name");
});

test("CNB-34: order.toml with optional entries and order-extensions", () => {
  const text = `
[[order]]
  [[order.group]]
    id = "paketo-buildpacks/ca-certificates"
    version = "3.6.3"
    optional = true
  [[order.group]]
    id = "paketo-buildpacks/node-engine"
    version = "3.2.1"

[[order]]
  [[order.group]]
    id = "paketo-buildpacks/procfile"
    version = "5.6.4"

[[order-extensions]]
  [[order-extensions.group]]
    id = "samples/curl"
    version = "0.0.1"
`;
  const o = parseOrderToml(text, "/cnb/order.toml");
  assert.equal(o.order.length, 2);
  assert.deepEqual(o.order[0]?.group[0], { id: "paketo-buildpacks/ca-certificates", version: "3.6.3", optional: true });
  assert.deepEqual(o.order[0]?.group[1], { id: "paketo-buildpacks/node-engine", version: "3.2.1", optional: false });
  assert.equal(o.orderExtensions[0]?.group[0]?.id, "samples/curl");
  assert.deepEqual(parseOrderToml(stringifyOrderToml(o)), o);
  expectCnbError(() => parseOrderToml('[[order]]\n[[order.group]]\nid = "a"', "/cnb/order.toml"), "CNB_MISSING_FIELD", "/cnb/order.toml", "order[0].group[0].version");
  expectCnbError(() => parseOrderToml('[[order]]\n[[order.group]]\nid = "a"\nversion = "1"\noptional = "yes"'), "CNB_INVALID_FIELD", "order[0].group[0].optional");
});

test("CNB-62: system.toml pre and post buildpacks", () => {
  const text = `
[[system.pre.buildpacks]]
  id = "acme/pre"
  version = "1.0.0"
[[system.post.buildpacks]]
  id = "acme/post"
  version = "2.0.0"
  optional = true
`;
  const s = parseSystemToml(text);
  assert.deepEqual(s, { pre: [{ id: "acme/pre", version: "1.0.0", optional: false }], post: [{ id: "acme/post", version: "2.0.0", optional: true }] });
  assert.deepEqual(parseSystemToml(stringifySystemToml(s)), s);
  assert.deepEqual(parseSystemToml(""), { pre: [], post: [] });
});

test("CNB-38: group.toml requires id, version and api", () => {
  const text = `
[[group]]
  id = "samples/hello-world"
  version = "0.0.1"
  api = "0.11"
  homepage = "https://github.com/buildpacks/samples"
[[group]]
  id = "samples/hello-moon"
  version = "0.0.1"
  api = "0.7"
`;
  const g = parseGroupToml(text);
  assert.deepEqual(g.group.map((e) => [e.id, e.api]), [["samples/hello-world", "0.11"], ["samples/hello-moon", "0.7"]]);
  assert.equal(g.group[0]?.homepage, "https://github.com/buildpacks/samples");
  assert.deepEqual(parseGroupToml(stringifyGroupToml(g)), g);
  expectCnbError(() => parseGroupToml('[[group]]\nid = "a"\nversion = "1"', "/layers/group.toml"), "CNB_MISSING_FIELD", "/layers/group.toml", "group[0].api");
  expectCnbError(() => parseGroupToml('[[group]]\nid = "a"\nversion = "1"\napi = "x"'), "CNB_INVALID_API", "group[0].api");
});
