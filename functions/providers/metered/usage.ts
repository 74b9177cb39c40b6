import * as z from 'zod';
import { countSchema, joinUrl, parseWith } from '../failures.js';
import { defineAdapter } from '../types.js';

const unixSeconds = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const bodySchema = z.object({
  appId: z.string().min(1),
  periodStartUnix: unixSeconds.nullable(),
  periodEndUnix: unixSeconds.nullable(),
  concurrentNow: countSchema,
  peakConcurrent: countSchema,
  messagesUsed: countSchema,
  overageMessages: countSchema,
  overageConnections: countSchema,
  plan: z.object({
    name: z.string().nullable(),
    maxConcurrentConnections: countSchema,
    maxMessagesPerPeriod: countSchema,
  }),
});

/** `GET /v1/usage` with `Authorization: Bearer sk_…`; the key scopes the app, so the path has no id. */
export const usage = defineAdapter({
  endpoint: 'metered.usage',
  provider: 'metered',
  capabilities: { figures: ['plan'], discovery: false, projectTags: ['project'] },
  defaultBaseUrl: 'https://rms.metered.ca',
  // The page sets no floor: counters are live and overages lag by up to 60 s. 5 s keeps us a polite client.
  floorMs: 5_000,
  floorSource: 'the collector (Metered documents no floor; its overage fields lag by up to 60 s)',
  targetShape: {},
  credentials: z.object({ secretKey: z.string().min(1) }),
  // Known only from the response (`appId`).
  project: () => undefined,
  request(_target, credentials, baseUrl) {
    return {
      url: joinUrl(baseUrl, 'v1/usage'),
      headers: { accept: 'application/json', authorization: `Bearer ${credentials.secretKey}` },
    };
  },
  parse: (response) =>
    parseWith(response, bodySchema, (body) => {
      const ints: Record<string, number> = {
        live: body.concurrentNow,
        period_peak: body.peakConcurrent,
        messages_used: body.messagesUsed,
        overage_messages: body.overageMessages,
        overage_connections: body.overageConnections,
        plan_max_connections: body.plan.maxConcurrentConnections,
        plan_max_messages: body.plan.maxMessagesPerPeriod,
      };
      if (body.periodStartUnix !== null) ints.period_start = body.periodStartUnix;
      if (body.periodEndUnix !== null) ints.period_end = body.periodEndUnix;
      const strings: Record<string, string> = body.plan.name === null ? {} : { plan: body.plan.name };
      return { project: body.appId, ints, strings };
    }),
});
