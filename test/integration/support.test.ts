import { gzipSync } from 'node:zlib';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Influxd, startInfluxd } from '../../devtools/influxd.js';
import { startV2Shim, type V2Shim } from '../../devtools/v2-shim.js';
import { type SecretsManagerStandIn, startSecretsManager } from '../support/secrets-manager.js';

// influxd takes well under a second to start here, but a loaded CI machine may be much slower.
const SLOW = 30_000;

/** A fixed point in the recent past: inside the infinite autogen policy and the 30-day one below. */
const NOW_S = Math.floor(Date.now() / 1000) - 60;

describe('startInfluxd', { timeout: SLOW }, () => {
  let influx: Influxd;

  beforeAll(async () => {
    influx = await startInfluxd();
  }, SLOW);
  afterAll(() => influx?.stop(), SLOW);

  it('answers /ping on loopback', async () => {
    expect(influx.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${influx.url}/ping`);
    expect(response.status).toBe(204);
  });

  it('writes line protocol and reads it back with types', async () => {
    await influx.createDatabase('roundtrip');
    await influx.writeLines(
      'roundtrip',
      [
        `concurrency,source=streampixel,app=demo users=12i,ratio=0.5,ok=true,note="hi there" ${NOW_S}`,
        `concurrency,source=imkit,app=demo users=3i ${NOW_S + 1}`,
      ].join('\n'),
    );

    const rows = await influx.rows('SELECT * FROM concurrency ORDER BY time', 'roundtrip');
    expect(rows).toEqual([
      {
        time: NOW_S * 1000,
        app: 'demo',
        note: 'hi there',
        ok: true,
        ratio: 0.5,
        source: 'streampixel',
        users: 12,
      },
      { time: (NOW_S + 1) * 1000, app: 'demo', note: null, ok: null, ratio: null, source: 'imkit', users: 3 },
    ]);
  });

  it('accepts millisecond precision', async () => {
    await influx.createDatabase('millis');
    await influx.writeLines('millis', `m v=1i ${NOW_S * 1000 + 250}`, 'ms');
    expect(await influx.rows('SELECT v FROM m', 'millis')).toEqual([{ time: NOW_S * 1000 + 250, v: 1 }]);
  });

  it('returns [] for an empty result and throws on a failing statement', async () => {
    await influx.createDatabase('empty');
    expect(await influx.rows('SELECT * FROM nothing', 'empty')).toEqual([]);
    await expect(influx.query('SELECT FROM', 'empty')).rejects.toThrow(/error parsing query/);
  });

  it('rejects a write to a missing database', async () => {
    await expect(influx.writeLines('does_not_exist', `m v=1i ${NOW_S}`)).rejects.toThrow(
      /404.*database not found/,
    );
  });
});

describe('startInfluxd fault injection', { timeout: SLOW }, () => {
  it('keeps data across kill + restart on the same port', async () => {
    const influx = await startInfluxd();
    try {
      await influx.createDatabase('durable');
      await influx.writeLines('durable', `m v=42i ${NOW_S}`);
      const url = influx.url;

      await influx.kill();
      await expect(fetch(`${url}/ping`)).rejects.toThrow();

      await influx.restart();
      expect(influx.url).toBe(url);
      expect(await influx.rows('SELECT v FROM m', 'durable')).toEqual([{ time: NOW_S * 1000, v: 42 }]);
    } finally {
      await influx.stop();
    }
  });
});

describe('startInfluxd with auth', { timeout: SLOW }, () => {
  let influx: Influxd;

  beforeAll(async () => {
    influx = await startInfluxd({ auth: { username: 'admin', password: "s3cr'et" } });
  }, SLOW);
  afterAll(() => influx?.stop(), SLOW);

  it('creates the admin user and authenticates its own calls', async () => {
    await influx.createDatabase('secured');
    await influx.writeLines('secured', `m v=1i ${NOW_S}`);
    expect(await influx.rows('SELECT v FROM m', 'secured')).toEqual([{ time: NOW_S * 1000, v: 1 }]);
  });

  it('refuses anonymous queries', async () => {
    const response = await fetch(`${influx.url}/query?q=SHOW%20DATABASES`);
    expect(response.status).toBe(401);
  });
});

describe('startV2Shim', { timeout: SLOW }, () => {
  let influx: Influxd;
  let shim: V2Shim;

  beforeAll(async () => {
    influx = await startInfluxd();
    await influx.createDatabase('db');
    await influx.query('CREATE RETENTION POLICY "short" ON "db" DURATION 30d REPLICATION 1');
    shim = await startV2Shim(influx.url);
  }, SLOW);
  afterAll(async () => {
    await shim?.close();
    await influx?.stop();
  }, SLOW);
  afterEach(() => {
    shim.requests.length = 0;
  });

  const write = (
    query: string,
    body: string | Uint8Array<ArrayBuffer>,
    headers: Record<string, string> = {},
  ): Promise<Response> =>
    fetch(`${shim.url}/api/v2/write?${query}`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers },
      body,
    });

  it('forwards a plain body with precision=s to the default retention policy', async () => {
    const response = await write('org=o&bucket=db&precision=s', `plain v=1i ${NOW_S}`);
    expect(response.status).toBe(204);
    expect(await influx.rows('SELECT v FROM plain', 'db')).toEqual([{ time: NOW_S * 1000, v: 1 }]);
    expect(shim.requests).toMatchObject([
      {
        path: '/api/v2/write?org=o&bucket=db&precision=s',
        gzipped: false,
        body: `plain v=1i ${NOW_S}`,
        status: 204,
      },
    ]);
  });

  it('gunzips a gzip body and honours bucket=db/rp', async () => {
    const lines = `zipped v=2i ${NOW_S}\nzipped v=3i ${NOW_S + 1}`;
    const response = await write('org=o&bucket=db/short&precision=s', new Uint8Array(gzipSync(lines)), {
      'Content-Encoding': 'gzip',
    });
    expect(response.status).toBe(204);

    expect(await influx.rows('SELECT v FROM "db"."short"."zipped"')).toEqual([
      { time: NOW_S * 1000, v: 2 },
      { time: (NOW_S + 1) * 1000, v: 3 },
    ]);
    // Nothing landed in the default policy.
    expect(await influx.rows('SELECT v FROM zipped', 'db')).toEqual([]);
    expect(shim.requests[0]).toMatchObject({ gzipped: true, body: lines, status: 204 });
  });

  it('maps the v2 precisions, including us, which 1.6.7 would otherwise treat as ns', async () => {
    const cases: Array<[string, number]> = [
      ['ms', NOW_S * 1e3 + 1],
      ['us', (NOW_S * 1e3 + 2) * 1e3],
      ['ns', (NOW_S * 1e3 + 3) * 1e6],
    ];
    for (const [precision, stamp] of cases) {
      const response = await write(
        `org=o&bucket=db&precision=${precision}`,
        `prec,p=${precision} v=1i ${stamp}`,
      );
      expect(response.status).toBe(204);
    }
    const rows = await influx.rows('SELECT v, p FROM prec ORDER BY time', 'db');
    expect(rows.map((row) => [row.p, row.time])).toEqual([
      ['ms', NOW_S * 1e3 + 1],
      ['us', NOW_S * 1e3 + 2],
      ['ns', NOW_S * 1e3 + 3],
    ]);
  });

  it("passes InfluxDB's errors through", async () => {
    const response = await write('org=o&bucket=nodb&precision=s', `m v=1i ${NOW_S}`);
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/database not found/);

    const bad = await write('org=o&bucket=db&precision=s', 'not line protocol');
    expect(bad.status).toBe(400);
  });

  it('answers 400 without a bucket', async () => {
    const response = await write('org=o&precision=s', `m v=1i ${NOW_S}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid' });
  });

  it('injects failures with failNext, then forwards again', async () => {
    shim.failNext([503, 500]);
    const statuses: number[] = [];
    for (const v of [1, 2, 3]) {
      const response = await write('org=o&bucket=db&precision=s', `faulty v=${v}i ${NOW_S + v}`);
      statuses.push(response.status);
      if (response.status !== 204) {
        expect(await response.json()).toEqual({ code: 'unavailable', message: 'injected' });
      }
    }
    expect(statuses).toEqual([503, 500, 204]);
    expect(shim.requests.map((request) => request.status)).toEqual([503, 500, 204]);
    expect(await influx.rows('SELECT v FROM faulty', 'db')).toEqual([{ time: (NOW_S + 3) * 1000, v: 3 }]);
  });

  it('answers /health and forwards /ping', async () => {
    const health = await fetch(`${shim.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'pass' });

    const ping = await fetch(`${shim.url}/ping`);
    expect(ping.status).toBe(204);
    expect(ping.headers.get('x-influxdb-version')).toMatch(/^1\./);
  });
});

describe('startV2Shim with an auth-enabled InfluxDB', { timeout: SLOW }, () => {
  let influx: Influxd;
  let shim: V2Shim;

  beforeAll(async () => {
    influx = await startInfluxd({ auth: { username: 'writer', password: 'pw' } });
    await influx.createDatabase('db');
    shim = await startV2Shim(influx.url);
  }, SLOW);
  afterAll(async () => {
    await shim?.close();
    await influx?.stop();
  }, SLOW);

  const write = (token: string | undefined): Promise<Response> =>
    fetch(`${shim.url}/api/v2/write?org=o&bucket=db&precision=s`, {
      method: 'POST',
      headers: token === undefined ? {} : { Authorization: `Token ${token}` },
      body: `authed v=1i ${NOW_S}`,
    });

  it('turns a Token user:pass into u/p and drops other tokens', async () => {
    expect((await write('writer:pw')).status).toBe(204);
    expect((await write('writer:wrong')).status).toBe(401);
    expect((await write('opaque-v2-token')).status).toBe(401);
    expect((await write(undefined)).status).toBe(401);
    expect(await influx.rows('SELECT v FROM authed', 'db')).toEqual([{ time: NOW_S * 1000, v: 1 }]);
  });
});

describe('startSecretsManager through the real AWS SDK', () => {
  let secrets: SecretsManagerStandIn;

  beforeAll(async () => {
    secrets = await startSecretsManager({
      'collector/influx': { url: 'http://influx.example', token: 't0ken' },
      plain: 'just a string',
    });
  });
  afterAll(() => secrets?.close());
  afterEach(() => {
    secrets.calls.length = 0;
  });

  const client = (): SecretsManagerClient =>
    new SecretsManagerClient({
      endpoint: secrets.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });

  it('returns an object secret JSON-stringified, with its metadata', async () => {
    const sdk = client();
    const output = await sdk.send(new GetSecretValueCommand({ SecretId: 'collector/influx' }));
    sdk.destroy();

    expect(JSON.parse(output.SecretString ?? '')).toEqual({ url: 'http://influx.example', token: 't0ken' });
    expect(output.Name).toBe('collector/influx');
    expect(output.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:collector\/influx-\w{6}$/);
    expect(output.VersionStages).toEqual(['AWSCURRENT']);
    expect(output.CreatedDate).toBeInstanceOf(Date);
    expect(Math.abs((output.CreatedDate?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(secrets.calls).toEqual([{ target: 'GetSecretValue', secretId: 'collector/influx' }]);
  });

  it('finds a secret by ARN and describes it', async () => {
    const sdk = client();
    const { ARN } = await sdk.send(new GetSecretValueCommand({ SecretId: 'plain' }));
    const byArn = await sdk.send(new GetSecretValueCommand({ SecretId: ARN }));
    const described = await sdk.send(new DescribeSecretCommand({ SecretId: 'plain' }));
    sdk.destroy();

    expect(byArn.SecretString).toBe('just a string');
    expect(described).toMatchObject({ ARN, Name: 'plain' });
    expect(Object.values(described.VersionIdsToStages ?? {})).toEqual([['AWSCURRENT']]);
  });

  it('throws ResourceNotFoundException for an unknown or removed secret', async () => {
    const sdk = client();
    await expect(sdk.send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });

    secrets.set('temporary', 'x');
    await expect(sdk.send(new GetSecretValueCommand({ SecretId: 'temporary' }))).resolves.toMatchObject({
      SecretString: 'x',
    });
    secrets.remove('temporary');
    await expect(sdk.send(new GetSecretValueCommand({ SecretId: 'temporary' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    sdk.destroy();
  });

  it('is reached through AWS_ENDPOINT_URL_SECRETS_MANAGER with no endpoint option', async () => {
    const restore = setEnv({
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    try {
      const sdk = new SecretsManagerClient({});
      const output = await sdk.send(new GetSecretValueCommand({ SecretId: 'plain' }));
      sdk.destroy();
      expect(output.SecretString).toBe('just a string');
      expect(secrets.calls).toEqual([{ target: 'GetSecretValue', secretId: 'plain' }]);
    } finally {
      restore();
    }
  });
});

/** Sets environment variables and returns a function that puts the previous values back. */
function setEnv(values: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
