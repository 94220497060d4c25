// Names of the AWS children. Most are left to pulumi-aws's auto-naming (the logical name, "-" and 7
// random characters), so a replacement can create the new resource before deleting the old one and
// two stacks in one account never collide. The logical name must then leave room for the suffix and
// use only the characters the resource's name takes: a name that fits is kept as it is (so existing
// stacks keep their URNs), and a longer or foreign one becomes a readable prefix with a hash of the
// whole name. Also the names AWS resources are known by: managed policy ARNs per partition and the
// log group per stack. Table-tested in test/unit/aws/names.test.ts.

import * as pulumi from "@pulumi/pulumi";
import { shortHash } from "../core";

/** Characters of the random suffix pulumi-aws appends, with its "-". */
export const AUTO_NAME_SUFFIX = 8;

/** The name rules of one auto-named resource type. */
export interface AutoNameRule {
  /** Longest physical name. */
  readonly max: number;
  /** Characters the physical name may use. */
  readonly chars: RegExp;
  /** Prefixes AWS refuses at the start of a name. @default none */
  readonly reserved?: readonly string[];
}

/** The resources whose names the components leave to the provider. */
export const AUTO_NAMED = {
  /** Application Load Balancers: 32 letters, digits and -, not "internal-...". */
  loadBalancer: { max: 32, chars: /^[A-Za-z0-9-]+$/, reserved: ["internal-"] },
  /** Target groups: 32 letters, digits and -. */
  targetGroup: { max: 32, chars: /^[A-Za-z0-9-]+$/ },
  /** IAM roles: 64 of letters, digits and _+=,.@-. */
  role: { max: 64, chars: /^[\w+=,.@-]+$/ },
  /** Inline IAM policies: 128 of letters, digits and _+=,.@-. */
  rolePolicy: { max: 128, chars: /^[\w+=,.@-]+$/ },
  /** VPC security groups: 255 of letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*, not "sg-...". */
  securityGroup: { max: 255, chars: /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]+$/, reserved: ["sg-"] },
  /** ECS clusters: 255 letters, digits, - and _. */
  cluster: { max: 255, chars: /^[A-Za-z0-9_-]+$/ },
  /** Scaling policies: 256 characters without ":". */
  scalingPolicy: { max: 256, chars: /^[^:]+$/ },
} as const satisfies Record<string, AutoNameRule>;

function fits(logical: string, rule: AutoNameRule): boolean {
  return (
    logical.length + AUTO_NAME_SUFFIX <= rule.max &&
    rule.chars.test(logical) &&
    !logical.startsWith("-") &&
    !(rule.reserved ?? []).some((p) => logical.toLowerCase().startsWith(p))
  );
}

/**
 * The logical name of child `role` of component `name`, for a resource the provider names:
 * `${name}-${role}` when that and the provider's suffix fit the rule, else a lowercase prefix of
 * the name, a hash of the whole name (so two names never meet), and the role.
 */
export function autoNamed(name: string, role: string, rule: AutoNameRule): string {
  const plain = `${name}-${role}`;
  if (fits(plain, rule)) return plain;
  const hash = shortHash(name);
  const room = rule.max - AUTO_NAME_SUFFIX - role.length - hash.length - 2;
  let prefix = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "");
  // A reserved start such as "internal-" is kept off with an "x".
  if ((rule.reserved ?? []).some((p) => prefix.startsWith(p))) prefix = `x${prefix}`;
  prefix = prefix.slice(0, room).replace(/-+$/, "") || "x";
  return `${prefix}-${hash}-${role}`;
}

/** The ARN of an AWS managed policy in a partition (`aws`, `aws-cn`, `aws-us-gov`...). */
export function managedPolicyArn(partition: pulumi.Input<string>, name: string): pulumi.Output<string> {
  return pulumi.interpolate`arn:${partition}:iam::aws:policy/${name}`;
}

/** The log group of a service: one per project, stack and service, so stacks in one account never share it. */
export function logGroupName(project: string, stack: string, baseName: string): string {
  const clean = (s: string) => s.replace(/[^.\-_/#A-Za-z0-9]+/g, "-");
  return `/ecs/${clean(project)}/${clean(stack)}/${baseName}`.slice(0, 512);
}
