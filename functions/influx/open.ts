import type { Config } from '../config/schema.js';
import { type InfluxCredentials, parseInfluxCredentials } from '../secrets/credentials.js';
import type { RunSecrets } from '../secrets/run-secrets.js';
import { basicAuthOf, InfluxWriter } from './writer.js';

/** The writer of a config, with its token (or v1 user and password) read from the token secret. */
export async function openInfluxWriter(config: Config, secrets: RunSecrets): Promise<InfluxWriter> {
  const { tokenSecret } = config.influx;
  let credentials: InfluxCredentials = {};
  if (tokenSecret) credentials = parseInfluxCredentials(tokenSecret, await secrets.get(tokenSecret));
  concealBasic(credentials, secrets);
  return new InfluxWriter(config.influx, credentials, {
    maxAttempts: config.maxAttempts,
    scrub: (text) => secrets.scrub(text),
  });
}

/** The base64 `user:password` of a v1 Basic header is a credential too: InfluxDB may echo the header. */
export function concealBasic(credentials: InfluxCredentials, secrets: Pick<RunSecrets, 'conceal'>): void {
  if (credentials.username || credentials.password) {
    secrets.conceal(basicAuthOf(credentials));
  }
}
