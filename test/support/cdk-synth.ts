import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll } from 'vitest';
import { parseConfig } from '../../functions/config/load.js';
import { CollectorStack, type CollectorStackProps } from '../../infra/collector-stack.js';

const ROOT = join(import.meta.dirname, '../..');
export const EXAMPLE_FILE = join(ROOT, 'collector.config.example.json');
export const EXAMPLE = JSON.parse(readFileSync(EXAMPLE_FILE, 'utf8')) as Record<string, unknown>;
/** The CLI passes cdk.json's context (feature flags included) to the app: so do the tests. */
const CDK_CONTEXT = (
  JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** An App writing to a folder removed after the tests (one without leaves a /tmp/cdk.out* behind), unbundled. */
export function testApp(): { app: App; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'collector-stack-test-'));
  outdirs.push(outdir);
  // The integration tests bundle; here the handlers' code does not matter.
  return { app: new App({ outdir, context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } }), outdir };
}

export interface Synthesized {
  template: Template;
  /** cdk-nag's findings: `rule at path`, empty when the stack passes. */
  violations: string[];
}

/** Synthesises the stack in-process with cdk-nag. */
export function synth(
  input: Record<string, unknown> = EXAMPLE,
  props: Partial<Omit<CollectorStackProps, 'config'>> = {},
): Synthesized {
  const { app, outdir } = testApp();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new CollectorStack(app, props.stackName ?? 'Test', {
    config: parseConfig(input),
    configFile: EXAMPLE_FILE,
    // The post-deploy check adds a function, a log group and a provider: its own tests turn it on.
    check: false,
    ...props,
  });
  const exitCode = process.exitCode;
  const assembly = app.synth();
  // A failed validation sets the exit code instead of throwing: read the report, and leave the runner's code be.
  process.exitCode = exitCode;
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: Array<{
      violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }>;
    }>;
  };
  const violations = report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map((construct) => `${violation.ruleName} at ${construct.constructPath}`),
    ),
  );
  return { template: Template.fromJSON(assembly.getStackByName(stack.stackName).template), violations };
}

/** The stack alone, not synthesised: for looking at its constructs. */
export function synthStack(input: Record<string, unknown> = EXAMPLE): CollectorStack {
  return new CollectorStack(testApp().app, 'Test', { config: parseConfig(input), configFile: EXAMPLE_FILE });
}
