import * as assert from "node:assert/strict";
import { rangeFloor, userPulumiSdk } from "../support/user-sdk";

describe("test support: the SDK a user's project gets in the packed-package tests", () => {
  const saved = process.env.PROGRESSIVE_TEST_PULUMI_SDK;
  afterEach(() => {
    if (saved === undefined) delete process.env.PROGRESSIVE_TEST_PULUMI_SDK;
    else process.env.PROGRESSIVE_TEST_PULUMI_SDK = saved;
  });

  it("takes the floor of a caret, tilde or >= range, and refuses any other range", () => {
    assert.equal(rangeFloor("^3.204.0"), "3.204.0");
    assert.equal(rangeFloor("~3.204.1"), "3.204.1");
    assert.equal(rangeFloor(">= 3.204.0"), "3.204.0");
    assert.throws(
      () => rangeFloor("3.x || 4.x"),
      /peer range "3.x \|\| 4.x" is not a single caret, tilde or >= range/,
    );
  });

  it("gives the peer range's floor for oldest, an exact version as asked, and refuses anything else naming it", () => {
    process.env.PROGRESSIVE_TEST_PULUMI_SDK = "oldest";
    assert.equal(userPulumiSdk(), "3.204.0");
    process.env.PROGRESSIVE_TEST_PULUMI_SDK = "3.250.1";
    assert.equal(userPulumiSdk(), "3.250.1");
    process.env.PROGRESSIVE_TEST_PULUMI_SDK = "latest";
    assert.throws(
      () => userPulumiSdk(),
      /PROGRESSIVE_TEST_PULUMI_SDK="latest" is not "oldest", "newest" or a version such as 3.204.0/,
    );
  });
});
