import * as assert from "node:assert/strict";
import { PACKAGE_NAME } from "../../components";

describe("package", () => {
  it("exports its name from the public entry point", () => {
    assert.equal(PACKAGE_NAME, "pulumi-progressive-delivery");
  });
});
