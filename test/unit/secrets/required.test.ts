import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/config/load.js';
import { requiredSecrets } from '../../../functions/secrets/required.js';

describe('requiredSecrets', () => {
  it('lists each named secret once, sorted, with the union of its readers’ keys', () => {
    const config = parseConfig({
      influx: { url: 'https://influx.example.com', org: 'acme', bucket: 'b', tokenSecret: 'influx' },
      targets: [
        { name: 'a', endpoint: 'streampixel.liveStats', projectId: 'p1', secret: 'sp', interval: '10s' },
        { name: 'b', endpoint: 'streampixel.userStats', projectId: 'p2', secret: 'sp', interval: '30s' },
        { name: 'c', endpoint: 'metered.usage', secret: 'metered', interval: '1m' },
        {
          name: 'd',
          endpoint: 'imkit.connectionCount',
          baseUrl: 'https://x.imkit.io',
          secret: 'im',
          interval: '1m',
        },
      ],
    });
    expect(requiredSecrets(config)).toEqual([
      { name: 'im', keys: ['apiKey'] },
      { name: 'influx', keys: ['token'] },
      { name: 'metered', keys: ['secretKey'] },
      { name: 'sp', keys: ['apikey', 'userId'] },
    ]);
  });

  it('needs no InfluxDB secret for an open server, and a user and password for 1.x', () => {
    const target = { name: 'c', endpoint: 'metered.usage', secret: 'metered', interval: '1m' };
    const open = parseConfig({
      influx: { url: 'http://i:8086', apiVersion: 1, database: 'd' },
      targets: [target],
    });
    expect(requiredSecrets(open).map((secret) => secret.name)).toEqual(['metered']);
    const v1 = parseConfig({
      influx: { url: 'http://i:8086', apiVersion: 1, database: 'd', tokenSecret: 'metered' },
      targets: [target],
    });
    expect(requiredSecrets(v1)).toEqual([{ name: 'metered', keys: ['password', 'secretKey', 'username'] }]);
  });
});
