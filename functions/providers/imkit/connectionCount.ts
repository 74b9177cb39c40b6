import * as z from 'zod';
import { countSchema, joinUrl, parseWith, shortMessage } from '../failures.js';
import { defineAdapter } from '../types.js';

// A body whose RC is not 0 is a failure even under HTTP 200; only its RC and RM are needed then.
const bodySchema = z.object({
  RC: z.number(),
  RM: z.string().optional(),
  result: z.object({ count: countSchema }).optional(),
});

/** `GET {app host}/admin/connection-count` with header `IM-API-KEY`. */
export const connectionCount = defineAdapter({
  endpoint: 'imkit.connectionCount',
  provider: 'imkit',
  capabilities: { figures: [], discovery: false, projectTags: ['project'] },
  // IMKit hosts each customer's app on its own host: the target's baseUrl is required.
  defaultBaseUrl: undefined,
  floorMs: 30_000,
  floorSource: 'the IMKit page: "every 30 seconds or every minute"',
  targetShape: {},
  credentials: z.object({ apiKey: z.string().min(1) }),
  checkTarget: (target) =>
    target.baseUrl === undefined
      ? [
          {
            key: 'baseUrl',
            message:
              'required for imkit.connectionCount: each app has its own host (e.g. "https://your-app.imkit.io")',
          },
        ]
      : [],
  // IMKit has no project id: the app host names the project.
  project: (target) => (target.baseUrl ? new URL(target.baseUrl).host : undefined),
  request(_target, credentials, baseUrl) {
    return {
      url: joinUrl(baseUrl, 'admin/connection-count'),
      headers: { accept: 'application/json', 'IM-API-KEY': credentials.apiKey },
    };
  },
  parse: (response) =>
    parseWith(response, bodySchema, (body) => {
      if (body.RC === 0) {
        if (body.result) return { ints: { live: body.result.count }, strings: {} };
        return {
          outcome: 'bad_response',
          httpStatus: response.status,
          message: 'RC 0 without result.count',
          retryable: false,
        };
      }
      const auth = body.RC === 401 || body.RC === 403;
      return {
        outcome: auth ? 'auth' : 'upstream',
        httpStatus: response.status,
        message: shortMessage(`RC ${body.RC}: ${body.RM ?? 'no message'}`),
        retryable: !auth,
      };
    }),
});
