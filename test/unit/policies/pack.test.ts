// The pack as a whole: rule names, config schemas with defaults, and the per-environment presets
// in policies/config/ (each names every rule with a valid level).

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { allRules } from "../../../policies/rules";

const CONFIG_DIR = path.join(__dirname, "..", "..", "..", "policies", "config");
const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

describe("policies: the pack", () => {
  const rules = allRules();

  it("has unique kebab-case names and a description ending with a full stop", () => {
    const names = rules.map((r) => r.name);
    assert.equal(new Set(names).size, names.length);
    for (const rule of rules) {
      assert.match(rule.name, /^[a-z]+(-[a-z]+)*$/);
      assert.match(rule.description, /\.$/);
    }
  });

  it("declares every config property with a type and a default", () => {
    for (const rule of rules) {
      const properties = rule.configSchema?.properties ?? {};
      assert.ok("environment" in properties && "environments" in properties, rule.name);
      for (const [key, property] of Object.entries(properties)) {
        assert.ok(property.type, `${rule.name}.${key} has a type`);
        assert.notEqual(property.default, undefined, `${rule.name}.${key} has a default`);
      }
    }
  });

  for (const environment of ["dev", "staging", "prod"]) {
    it(`ships a ${environment} preset that sets every rule's level and environment`, () => {
      const preset = JSON.parse(fs.readFileSync(path.join(CONFIG_DIR, `${environment}.json`), "utf8"));
      assert.deepEqual(Object.keys(preset).sort(), rules.map((r) => r.name).sort());
      for (const [name, entry] of Object.entries(preset as Record<string, Record<string, unknown>>)) {
        assert.ok(LEVELS.includes(String(entry.enforcementLevel)), name);
        assert.equal(entry.environment, environment, name);
        const schema = rules.find((r) => r.name === name)?.configSchema?.properties ?? {};
        for (const key of Object.keys(entry)) {
          if (key !== "enforcementLevel") assert.ok(key in schema, `${name}.${key} is in the schema`);
        }
      }
    });
  }
});
