import { CfnElement, Names, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * The logical ID an element ends up with, overrides included: what cdk-nag reads in the template (unlike
 * `Stack.getLogicalId`, which allocates one from the path and ignores `overrideLogicalId`).
 */
export function logicalIdOf(element: CfnElement): string {
  return Stack.of(element).resolve(element.logicalId) as string;
}

/**
 * Gives every CloudFormation element under `scope` the logical ID it had when its branch was a child of the stack
 * itself, before `scope` gathered it. Deployed stacks keep their resources on upgrade (a new logical ID is a
 * replacement, and a retained bucket would be orphaned). `formerIds` maps the id of each child of `scope` to the
 * id it had in the stack; a child missing there had the same id. Call it again after adding elements (a grant's
 * first statement makes the role's policy): it is idempotent.
 */
export function keepFormerLogicalIds(
  scope: Construct,
  formerIds: Readonly<Record<string, string>> = {},
): void {
  const stack = Stack.of(scope);
  const depth = scope.node.scopes.length;
  for (const element of scope.node.findAll()) {
    if (!CfnElement.isCfnElement(element)) continue;
    const below = element.node.scopes.slice(depth).map((construct) => construct.node.id);
    const [child, ...rest] = below as [string, ...string[]];
    const above = scope.node.scopes.slice(stack.node.scopes.length, depth - 1).map((c) => c.node.id);
    element.overrideLogicalId(uniqueIdOf([...above, formerIds[child] ?? child, ...rest]));
  }
}

/** The logical ID CDK allocates to an element at `path` below its stack: the same function, on a bare tree. */
function uniqueIdOf(path: readonly string[]): string {
  let node = new Construct(undefined as unknown as Construct, '');
  for (const id of path) node = new Construct(node, id);
  return Names.uniqueId(node);
}
