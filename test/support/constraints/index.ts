// The cloud constraint tables and the check every component test runs: test/support/mocks.ts
// hands each recorded resource to `observe`; after each test the resources of each program (the
// records between two resets of the mocks) are checked against their cloud's table, and at the
// end of the run every violation found fails the run, named with its test. A cloud resource type
// without rows is itself a violation, so a new resource type cannot slip past the tables.

import { AWS_ROWS } from "./aws";
import { AZURE_ROWS } from "./azure";
import {
  type CheckedResource,
  checkResource,
  checkUnique,
  describeViolation,
  type Row,
  type Violation,
} from "./engine";
import { GCP_ROWS } from "./gcp";

export { AWS_ROWS } from "./aws";
export { AZURE_ROWS } from "./azure";
export { type CheckedResource, describeViolation, type Row, type Violation } from "./engine";
export { GCP_ROWS } from "./gcp";

/** Every row of the three clouds. */
export const CLOUD_ROWS: readonly Row[] = [...AWS_ROWS, ...GCP_ROWS, ...AZURE_ROWS];

/** Resource types the tables cover. */
export const TABLE_TYPES: ReadonlySet<string> = new Set(CLOUD_ROWS.map((r) => r.type));

/** Whether a resource type belongs to a cloud provider (not a component, not a dynamic resource). */
export function isCloudType(type: string): boolean {
  return /^(aws|gcp|azure-native):/.test(type);
}

/** Every violation among the resources of one program: each resource's rows, and uniqueness. */
export function checkProgram(resources: readonly CheckedResource[]): Violation[] {
  const cloud = resources.filter((r) => isCloudType(r.type));
  const uncovered = cloud
    .filter((r) => !TABLE_TYPES.has(r.type))
    .map(
      (r): Violation => ({
        type: r.type,
        name: r.name,
        field: "(type)",
        value: r.type,
        rule: "every cloud resource type the components create has rows in the constraint tables",
        source: "test/support/constraints",
        problem: "has no constraint rows: add them",
      }),
    );
  return [
    ...uncovered,
    ...cloud.flatMap((r) => checkResource(CLOUD_ROWS, r)),
    ...checkUnique(CLOUD_ROWS, cloud),
  ];
}

/** Throws an error listing every violation, when there is one. */
export function assertWithinTables(resources: readonly CheckedResource[], context = ""): void {
  const found = checkProgram(resources);
  if (found.length > 0) {
    throw new Error(
      `${found.length} cloud constraint violation(s)${context}:\n${found.map((v) => `  - ${describeViolation(v)}`).join("\n")}`,
    );
  }
}

/** Cloud resource types recorded by any test of this run. */
export const seenTypes = new Set<string>();

let program: CheckedResource[] = [];
const failures: string[] = [];
let currentTest = "";

function flush(): void {
  const found = checkProgram(program);
  program = [];
  for (const v of found) failures.push(`${currentTest || "(outside a test)"}: ${describeViolation(v)}`);
}

/** Starts a new program: the mocks were reset, so names may repeat without clashing. */
export function newProgram(): void {
  flush();
}

/** Records a resource of the current program (called by the mocks for every registration). */
export function observe(resource: CheckedResource): void {
  if (isCloudType(resource.type)) seenTypes.add(resource.type);
  program.push(resource);
}

// Root hooks: mocha runs them around every test of the run. A failing afterEach would skip every
// later test, so violations are collected per test and fail the run once, at the end.
if (typeof beforeEach === "function" && typeof after === "function") {
  beforeEach(function nameTest() {
    flush();
    currentTest = this.currentTest?.fullTitle() ?? "";
  });
  afterEach(function checkCloudConstraints() {
    flush();
    currentTest = "";
  });
  after(function failOnConstraintViolations() {
    flush();
    if (failures.length > 0) {
      const list = failures.map((f) => `  - ${f}`).join("\n");
      failures.length = 0;
      throw new Error(
        `cloud constraint violations in the resources the component tests recorded (test/support/constraints):\n${list}`,
      );
    }
  });
}
