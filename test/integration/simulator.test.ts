import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demandAt, liveUsers, utcMonthBounds } from '../../simulator/curves.js';
import type { Simulator, SimulatorCredentials } from '../../simulator/server.js';
import {
  DEFAULT_SIMULATOR_CREDENTIALS,
  simulatorConfig,
  simulatorSecrets,
  startSimulator,
} from '../../simulator/server.js';

/** Monday 2025-01-06 20:00 UTC: the evening peak, when default projects queue. */
const NOW = Date.UTC(2025, 0, 6, 20, 0, 0);
const CREDS = DEFAULT_SIMULATOR_CREDENTIALS;
const SP_QUERY = { userId: CREDS.streampixel.userId, apikey: CREDS.streampixel.apikey };
const IMKIT_HEADERS = { 'IM-API-KEY': CREDS.imkit.apiKey };

function spPath(
  kind: 'liveStats' | 'userStats',
  projectId: string,
  query: Record<string, string> = SP_QUERY,
): string {
  return `/pixelStripeApi/projects/${kind}/${projectId}?${new URLSearchParams(query)}`;
}

function imkitPath(app: string): string {
  return `/imkit/${app}/admin/connection-count`;
}

function bearer(key: string): Record<string, string> {
  return { Authorization: `Bearer ${key}` };
}

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

async function get(sim: Simulator, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${sim.url}${path}`, { headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function getJson(sim: Simulator, path: string, headers: Record<string, string> = {}) {
  const answer = await get(sim, path, headers);
  return { status: answer.status, body: JSON.parse(answer.text) as unknown, headers: answer.headers };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('simulator', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ now: () => NOW });
  });

  afterAll(async () => {
    await sim.close();
  });

  describe('streampixel liveStats', () => {
    it('answers the curve for a project', async () => {
      const expected = liveUsers('64f1c0ffee0001', NOW, 40);
      const { status, body, headers } = await getJson(sim, spPath('liveStats', '64f1c0ffee0001', SP_QUERY));
      expect(status).toBe(200);
      expect(headers.get('content-type')).toMatch(/^application\/json/);
      expect(body).toEqual({ liveUser: expected.live, queueUser: expected.queued });
      expect(expected.queued).toBeGreaterThan(0);
    });

    it('needs only the userId', async () => {
      const query = { userId: CREDS.streampixel.userId };
      expect((await get(sim, spPath('liveStats', 'p1', query))).status).toBe(200);
    });

    it('rejects a missing or wrong userId', async () => {
      expect(await getJson(sim, spPath('liveStats', 'p1', {}))).toMatchObject({
        status: 400,
        body: { message: 'userId is required' },
      });
      expect(await getJson(sim, spPath('liveStats', 'p1', { userId: 'someone-else' }))).toMatchObject({
        status: 401,
        body: { message: 'Invalid User' },
      });
    });
  });

  describe('streampixel userStats', () => {
    it('answers the same curve as liveStats', async () => {
      const expected = liveUsers('64f1c0ffee0002', NOW, 40);
      const { status, body } = await getJson(sim, spPath('userStats', '64f1c0ffee0002'));
      expect(status).toBe(200);
      expect(body).toEqual({ liveUser: expected.live, queueUser: expected.queued });
    });

    it.each([
      [{ userId: CREDS.streampixel.userId }],
      [{ apikey: CREDS.streampixel.apikey }],
      [{ userId: CREDS.streampixel.userId, apiKey: CREDS.streampixel.apikey }],
    ])('answers 400 when a parameter is missing (%o)', async (query) => {
      expect(await getJson(sim, spPath('userStats', 'p1', query))).toMatchObject({
        status: 400,
        body: { message: 'projectId, userId and apikey are required' },
      });
    });

    it('answers 401 for a wrong userId or apikey', async () => {
      expect(await getJson(sim, spPath('userStats', 'p1', { ...SP_QUERY, userId: 'x' }))).toMatchObject({
        status: 401,
        body: { message: 'Invalid User' },
      });
      expect(await getJson(sim, spPath('userStats', 'p1', { ...SP_QUERY, apikey: 'x' }))).toMatchObject({
        status: 401,
        body: { message: 'Unauthorized: Invalid API Key' },
      });
    });

    it('treats ids that shadow Object.prototype names as ordinary projects', async () => {
      expect((await get(sim, spPath('userStats', 'constructor'))).status).toBe(200);
      expect((await get(sim, imkitPath('toString'), IMKIT_HEADERS)).status).toBe(200);
    });

    it('checks credentials before reserved project ids', async () => {
      expect((await get(sim, spPath('userStats', 'err-500', { ...SP_QUERY, apikey: 'x' }))).status).toBe(401);
    });
  });

  describe('streampixel error ids', () => {
    it.each([
      ['err-400', 400, { message: 'projectId, userId and apikey are required' }],
      ['err-403', 403, { message: 'Access denied' }],
      ['err-404', 404, { message: 'Project not found' }],
      ['err-429', 429, { message: 'Rate limit exceeded. Try again in 2 minutes.' }],
      ['err-429-noheader', 429, { message: 'Rate limit exceeded. Try again in 2 minutes.' }],
      ['err-500', 500, { message: 'Internal server error' }],
      ['err-negative', 200, { liveUser: -1, queueUser: 0 }],
      ['err-fraction', 200, { liveUser: 2.5, queueUser: 0 }],
    ])('%s answers %i on both endpoints', async (id, status, body) => {
      for (const kind of ['liveStats', 'userStats'] as const) {
        expect(await getJson(sim, spPath(kind, id))).toMatchObject({ status, body });
      }
    });

    it('sends Retry-After only for err-429', async () => {
      expect((await get(sim, spPath('userStats', 'err-429'))).headers.get('retry-after')).toBe('120');
      expect((await get(sim, spPath('userStats', 'err-429-noheader'))).headers.get('retry-after')).toBeNull();
    });

    it('err-html answers a proxy page', async () => {
      const answer = await get(sim, spPath('liveStats', 'err-html'));
      expect(answer.status).toBe(502);
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
      expect(answer.text).toBe('<html><body><h1>502 Bad Gateway</h1></body></html>');
    });

    it('err-truncated answers a well-framed but broken JSON body', async () => {
      const answer = await get(sim, spPath('liveStats', 'err-truncated'));
      expect(answer.status).toBe(200);
      expect(answer.text).toBe('{"liveUser": 3, "queu');
      expect(answer.headers.get('content-length')).toBe(String(answer.text.length));
      expect(() => JSON.parse(answer.text)).toThrow();
    });

    it('err-flaky alternates 500 and success, counted per project and endpoint', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await get(sim, spPath('userStats', 'err-flaky'))).status);
      }
      expect(statuses).toEqual([500, 200, 500, 200]);
      expect((await get(sim, spPath('liveStats', 'err-flaky'))).status).toBe(500);
    });

    it('err-reset drops the connection without an answer', async () => {
      const before = sim.served.length;
      await expect(fetch(`${sim.url}${spPath('liveStats', 'err-reset')}`)).rejects.toThrow();
      expect(sim.served.length).toBe(before);
      expect((await get(sim, spPath('liveStats', 'p1'))).status).toBe(200);
    });

    it('err-slow can be aborted, and the server stays healthy', async () => {
      const started = Date.now();
      const slow = fetch(`${sim.url}${spPath('liveStats', 'err-slow')}`, {
        signal: AbortSignal.timeout(200),
      });
      await expect(slow).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await get(sim, spPath('liveStats', 'p1'))).status).toBe(200);
    });
  });

  describe('imkit connection-count', () => {
    it('answers the curve in the IMKit envelope', async () => {
      const { status, body } = await getJson(sim, imkitPath('acme'), IMKIT_HEADERS);
      expect(status).toBe(200);
      expect(body).toEqual({ RC: 0, RM: 'OK', result: { count: demandAt('imkit:acme', NOW, 1800) } });
    });

    it('answers 401 for a missing or wrong key', async () => {
      const unauthorized = {
        status: 401,
        body: {
          RC: 401,
          RM: 'Unauthorized',
          error: { code: 'INVALID_API_KEY', message: 'Invalid or missing API key' },
        },
      };
      expect(await getJson(sim, imkitPath('acme'))).toEqual(expect.objectContaining(unauthorized));
      expect(await getJson(sim, imkitPath('acme'), { 'IM-API-KEY': 'nope' })).toMatchObject(unauthorized);
    });

    it('answers 403 for noperm and an RC error inside a 200 for rc-error', async () => {
      expect(await getJson(sim, imkitPath('noperm'), IMKIT_HEADERS)).toMatchObject({
        status: 403,
        body: {
          RC: 403,
          RM: 'Forbidden',
          error: { code: 'PERMISSION_DENIED', message: 'Platform API permission required' },
        },
      });
      expect(await getJson(sim, imkitPath('rc-error'), IMKIT_HEADERS)).toMatchObject({
        status: 200,
        body: { RC: 500, RM: 'Internal error' },
      });
    });

    it.each([
      ['err-400', 400, { RC: 400, RM: 'Bad Request' }],
      ['err-403', 403, { RC: 403, RM: 'Forbidden', error: { code: 'PERMISSION_DENIED' } }],
      ['err-404', 404, { RC: 404, RM: 'Not Found' }],
      ['err-429-noheader', 429, { RC: 429, RM: 'Too Many Requests' }],
      ['err-500', 500, { RC: 500, RM: 'Internal Server Error' }],
      ['err-negative', 200, { RC: 0, RM: 'OK', result: { count: -1 } }],
      ['err-fraction', 200, { RC: 0, RM: 'OK', result: { count: 2.5 } }],
    ])('app %s answers %i', async (app, status, body) => {
      expect(await getJson(sim, imkitPath(app), IMKIT_HEADERS)).toMatchObject({ status, body });
    });

    it('serves the transport failures under app names too', async () => {
      const limited = await get(sim, imkitPath('err-429'), IMKIT_HEADERS);
      expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '120']);
      expect((await get(sim, imkitPath('err-html'), IMKIT_HEADERS)).status).toBe(502);
      const truncated = await get(sim, imkitPath('err-truncated'), IMKIT_HEADERS);
      expect(truncated.status).toBe(200);
      expect(() => JSON.parse(truncated.text)).toThrow();
      const flaky = [];
      for (let i = 0; i < 3; i++) {
        flaky.push((await get(sim, imkitPath('err-flaky'), IMKIT_HEADERS)).status);
      }
      expect(flaky).toEqual([500, 200, 500]);
      await expect(
        fetch(`${sim.url}${imkitPath('err-reset')}`, { headers: IMKIT_HEADERS }),
      ).rejects.toThrow();
      const slow = fetch(`${sim.url}${imkitPath('err-slow')}`, {
        headers: IMKIT_HEADERS,
        signal: AbortSignal.timeout(200),
      });
      await expect(slow).rejects.toThrow();
    });
  });

  describe('metered usage', () => {
    const { startUnix, endUnix } = utcMonthBounds(NOW);

    it('answers the usage body for the secret key', async () => {
      const { status, body } = await getJson(sim, '/v1/usage', bearer(CREDS.metered.secretKey));
      expect(status).toBe(200);
      const concurrentNow = demandAt('metered:app_sim', NOW, 850);
      expect(body).toEqual({
        appId: 'app_sim',
        periodStartUnix: startUnix,
        periodEndUnix: endUnix,
        concurrentNow,
        peakConcurrent: expect.any(Number),
        messagesUsed: Math.floor(((NOW - startUnix * 1000) / 1000) * 1.5),
        overageMessages: 0,
        overageConnections: 0,
        plan: {
          name: 'SIGNALLING_BASIC',
          maxConcurrentConnections: 1000,
          maxMessagesPerPeriod: 5_000_000,
          overagesAllowed: true,
          overagesEnabled: true,
        },
      });
      const { peakConcurrent } = body as { peakConcurrent: number };
      expect(Number.isInteger(peakConcurrent)).toBe(true);
      expect(peakConcurrent).toBeGreaterThanOrEqual(concurrentNow);
      expect(peakConcurrent).toBeLessThan(1000);
    });

    it('answers nulls for a new customer', async () => {
      const { status, body } = await getJson(
        sim,
        '/v1/usage',
        bearer(`${CREDS.metered.secretKey}_newcustomer`),
      );
      expect(status).toBe(200);
      expect(body).toMatchObject({
        appId: 'app_sim',
        periodStartUnix: null,
        periodEndUnix: null,
        plan: { name: null },
      });
    });

    it('answers 401 for a missing or wrong key', async () => {
      for (const headers of [
        {},
        bearer('sk_wrong'),
        bearer('constructor'),
        { Authorization: CREDS.metered.secretKey },
      ]) {
        expect(await getJson(sim, '/v1/usage', headers)).toMatchObject({
          status: 401,
          body: { error: 'unauthorized' },
        });
      }
    });

    it('answers 503 on odd requests for _blip and always for _down', async () => {
      const blip = [];
      const down = [];
      for (let i = 0; i < 4; i++) {
        blip.push((await get(sim, '/v1/usage', bearer(`${CREDS.metered.secretKey}_blip`))).status);
        down.push((await get(sim, '/v1/usage', bearer(`${CREDS.metered.secretKey}_down`))).status);
      }
      expect(blip).toEqual([503, 200, 503, 200]);
      expect(down).toEqual([503, 503, 503, 503]);
      expect(await getJson(sim, '/v1/usage', bearer(`${CREDS.metered.secretKey}_down`))).toMatchObject({
        body: { error: 'internal_error' },
      });
    });
  });

  it('answers 404 for unknown paths and methods', async () => {
    for (const path of ['/', '/v1/usage/extra', '/pixelStripeApi/projects/liveStats/', '/imkit/acme/admin']) {
      expect(await getJson(sim, path)).toMatchObject({ status: 404, body: { message: 'Not found' } });
    }
    const post = await fetch(`${sim.url}/v1/usage`, {
      method: 'POST',
      headers: bearer(CREDS.metered.secretKey),
    });
    expect(post.status).toBe(404);
    await post.arrayBuffer();
  });
});

describe('simulator lifecycle', () => {
  it('logs every response it sends, in order', async () => {
    let clock = NOW;
    const sim = await startSimulator({ now: () => clock });
    try {
      await get(sim, spPath('liveStats', 'p1'));
      clock += 1_000;
      await get(sim, spPath('userStats', 'err-404'));
      clock += 1_000;
      await get(sim, imkitPath('acme'), IMKIT_HEADERS);
      await get(sim, '/v1/usage', bearer('sk_wrong'));
      await get(sim, '/unknown');
      await fetch(`${sim.url}${spPath('liveStats', 'err-reset')}`).catch(() => undefined);

      expect(
        sim.served.map(({ endpoint, project, at, status }) => ({ endpoint, project, at, status })),
      ).toEqual([
        { endpoint: 'streampixel.liveStats', project: 'p1', at: NOW, status: 200 },
        { endpoint: 'streampixel.userStats', project: 'err-404', at: NOW + 1_000, status: 404 },
        { endpoint: 'imkit.connectionCount', project: 'acme', at: NOW + 2_000, status: 200 },
        { endpoint: 'metered.usage', project: '', at: NOW + 2_000, status: 401 },
      ]);
      expect(sim.served[1]?.body).toBe('{"message":"Project not found"}');
    } finally {
      await sim.close();
    }
  });

  it('handles requests in parallel and records maxInFlight', async () => {
    const sim = await startSimulator({ latencyMs: 150 });
    try {
      expect(sim.maxInFlight).toBe(0);
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 5 }, () => get(sim, spPath('liveStats', 'p1'))));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(Date.now() - started).toBeLessThan(5 * 150);
      expect(sim.maxInFlight).toBe(5);

      sim.setLatency(0);
      const quick = Date.now();
      await get(sim, spPath('liveStats', 'p1'));
      expect(Date.now() - quick).toBeLessThan(140);
      expect(() => sim.setLatency(-1)).toThrow(RangeError);
    } finally {
      await sim.close();
    }
  });

  it('answers err-slow after slowMs, and clears the timer of an aborted one', async () => {
    const sim = await startSimulator({ slowMs: 500 });
    try {
      const aborted = fetch(`${sim.url}${spPath('liveStats', 'err-slow')}`, {
        signal: AbortSignal.timeout(100),
      });
      await expect(aborted).rejects.toThrow();
      await delay(700);
      // Had the timer survived the disconnect, it would have fired and logged an answer by now.
      expect(sim.served).toEqual([]);

      const started = Date.now();
      const answer = await get(sim, spPath('liveStats', 'err-slow'));
      expect(answer.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    } finally {
      await sim.close();
    }
  });

  it('accepts rotated credentials', async () => {
    const sim = await startSimulator();
    try {
      const rotated: SimulatorCredentials = {
        streampixel: { userId: CREDS.streampixel.userId, apikey: 'rotated-sp' },
        imkit: { apiKey: 'rotated-imkit' },
        metered: { secretKey: 'sk_rotated' },
      };
      sim.setCredentials(rotated);
      expect((await get(sim, spPath('userStats', 'p1'))).status).toBe(401);
      expect((await get(sim, spPath('userStats', 'p1', { ...SP_QUERY, apikey: 'rotated-sp' }))).status).toBe(
        200,
      );
      expect((await get(sim, imkitPath('acme'), IMKIT_HEADERS)).status).toBe(401);
      expect((await get(sim, imkitPath('acme'), { 'IM-API-KEY': 'rotated-imkit' })).status).toBe(200);
      expect((await get(sim, '/v1/usage', bearer(CREDS.metered.secretKey))).status).toBe(401);
      expect((await get(sim, '/v1/usage', bearer('sk_rotated_blip'))).status).toBe(503);
    } finally {
      await sim.close();
    }
  });

  it('close() stops listening, drops pending requests and can be called twice', async () => {
    const sim = await startSimulator();
    const pending = fetch(`${sim.url}${spPath('liveStats', 'err-slow')}`);
    pending.catch(() => undefined);
    await delay(50);
    const started = Date.now();
    await sim.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(pending).rejects.toThrow();
    await expect(fetch(`${sim.url}${spPath('liveStats', 'p1')}`)).rejects.toThrow();
    await sim.close();
  });

  it('binds loopback only', async () => {
    await expect(startSimulator({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
    await expect(startSimulator({ host: '10.0.0.1' })).rejects.toThrow(/loopback/);
    const sim = await startSimulator({ host: '127.0.0.1' });
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await sim.close();
  });
});

describe('simulatorConfig and simulatorSecrets', () => {
  it('point every target at the simulator, and each target answers 200 with its secret', async () => {
    const sim = await startSimulator();
    try {
      const config = simulatorConfig(`${sim.url}/`);
      const secrets = simulatorSecrets();
      expect(config.targets.map((t) => t.name)).toEqual(['eu-prod', 'eu-prod-users', 'chat', 'signalling']);
      expect(config.influx).toEqual({
        url: 'http://127.0.0.1:8086',
        apiVersion: 1,
        database: 'concurrency',
        tokenSecret: 'collector/influx',
      });
      expect(secrets['collector/influx']).toEqual({});

      for (const target of config.targets) {
        const secret = secrets[target.secret] ?? {};
        const url = requestUrl(target, secret);
        const headers: Record<string, string> = {};
        if (target.endpoint === 'imkit.connectionCount') headers['IM-API-KEY'] = secret.apiKey ?? '';
        if (target.endpoint === 'metered.usage') headers.Authorization = `Bearer ${secret.secretKey}`;
        expect((await fetch(url, { headers })).status, target.name).toBe(200);
      }
      expect(config.targets.find((t) => t.name === 'chat')?.baseUrl).toBe(`${sim.url}/imkit/acme`);
    } finally {
      await sim.close();
    }
  });

  it('substitutes the influx section and the credentials', () => {
    const influx = { url: 'http://127.0.0.1:18086', apiVersion: 2, bucket: 'b', org: 'o' };
    expect(simulatorConfig('http://127.0.0.1:1', influx).influx).toEqual(influx);
    const creds: SimulatorCredentials = {
      streampixel: { userId: 'u', apikey: 'k' },
      imkit: { apiKey: 'i' },
      metered: { secretKey: 'sk_x' },
    };
    expect(simulatorSecrets(creds)).toEqual({
      'collector/streampixel': { userId: 'u', apikey: 'k' },
      'collector/imkit': { apiKey: 'i' },
      'collector/metered': { secretKey: 'sk_x' },
      'collector/influx': {},
    });
  });
});

/** The request a collector would make for a target (kept minimal: the collector owns the real one). */
function requestUrl(
  target: ReturnType<typeof simulatorConfig>['targets'][number],
  secret: Record<string, string>,
): string {
  switch (target.endpoint) {
    case 'streampixel.liveStats':
      return `${target.baseUrl}/pixelStripeApi/projects/liveStats/${target.projectId}?userId=${secret.userId}`;
    case 'streampixel.userStats':
      return `${target.baseUrl}${spPath('userStats', target.projectId ?? '', { userId: secret.userId ?? '', apikey: secret.apikey ?? '' })}`;
    case 'imkit.connectionCount':
      return `${target.baseUrl}/admin/connection-count`;
    case 'metered.usage':
      return `${target.baseUrl}/v1/usage`;
    default:
      throw new Error(`the simulator's default configuration has no ${target.endpoint} target`);
  }
}
