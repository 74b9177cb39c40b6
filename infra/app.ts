import { resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../functions/config/errors.js';
import { loadConfig } from '../functions/config/load.js';
import { CollectorStack } from './collector-stack.js';
import { ContextError, readDeployContext } from './context.js';

/**
 * Prints a config or context problem the way the CLI does, and fails the synth before anything is deployed.
 * `configPath` prefixes problems found after loading (loadConfig's own already name the file).
 */
function fail(error: unknown, configPath?: string): never {
  if (error instanceof ConfigError) {
    const prefix = configPath ? `${configPath}: ` : '';
    process.stderr.write(`${error.problems.map((problem) => `${prefix}${problem}`).join('\n')}\n`);
  } else if (error instanceof ContextError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    throw error;
  }
  process.exit(1);
}

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

let context: ReturnType<typeof readDeployContext>;
try {
  context = readDeployContext(app.node);
} catch (error) {
  fail(error);
}
const config = await loadConfig(context.configPath).catch((error: unknown) => fail(error));
try {
  new CollectorStack(app, context.stackName, {
    config,
    configFile: resolve(context.configPath),
    check: context.check,
    ...(context.network ? { network: context.network } : {}),
    ...(context.alarmEmail ? { alarmEmail: context.alarmEmail } : {}),
  });
} catch (error) {
  fail(error, context.configPath);
}
