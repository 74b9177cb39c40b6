import type { Context } from 'aws-lambda';
import { tempDir } from '../../devtools/files.js';
import { type Influxd, startInfluxd } from '../../devtools/influxd.js';
import { simulatorSecrets } from '../../simulator/config.js';
import { type Simulator, startSimulator } from '../../simulator/server.js';
import { type SecretsManagerStandIn, startSecretsManager } from './secrets-manager.js';

/** What a Lambda handler test runs against: the simulator, a real influxd and the Secrets Manager stand-in. */
export interface HandlerWorld {
  simulator: Simulator;
  influxd: Influxd;
  standIn: SecretsManagerStandIn;
  /** Writes the config the handler reads (`COLLECTOR_CONFIG_PATH`); call before the handler's first import. */
  useConfig(config: object): void;
  /** Stops every service and restores the environment. */
  close(): Promise<void>;
}

/**
 * Starts the three services, creates `database`, and points the real SDK and Powertools at them through the
 * environment (the handlers have no test hooks): dummy AWS credentials, `env` on top.
 */
export async function startHandlerWorld(
  database: string,
  env: Record<string, string> = {},
): Promise<HandlerWorld> {
  const saved = { ...process.env };
  const dir = tempDir();
  const [simulator, influxd, standIn] = await Promise.all([
    startSimulator(),
    startInfluxd(),
    startSecretsManager(simulatorSecrets()),
  ]);
  await influxd.createDatabase(database);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.url,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
    POWERTOOLS_DEV: 'false',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    ...env,
  });
  return {
    simulator,
    influxd,
    standIn,
    useConfig(config) {
      process.env.COLLECTOR_CONFIG_PATH = dir.file('collector.config.json', config);
    },
    async close() {
      process.env = saved;
      await Promise.all([simulator.close(), influxd.stop(), standIn.close()]);
      dir.cleanup();
    },
  };
}

/** The part of Lambda's context the handlers read: the request id and the time left. */
export function lambdaContext(remainingMs: number, awsRequestId = 'req-test'): Context {
  const deadline = Date.now() + remainingMs;
  return { awsRequestId, getRemainingTimeInMillis: () => deadline - Date.now() } as Context;
}
