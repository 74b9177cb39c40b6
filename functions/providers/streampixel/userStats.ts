import { z } from 'zod';
import { joinUrl } from '../failures.js';
import { defineAdapter } from '../types.js';
import {
  checkStreampixelTarget,
  parseStats,
  STREAMPIXEL_BASE_URL,
  streampixelAccount,
  streampixelTargetShape,
} from './stats.js';

/** `GET /pixelStripeApi/projects/userStats/{projectId}?userId=…&apikey=…`: the key travels in the URL. */
export const userStats = defineAdapter({
  endpoint: 'streampixel.userStats',
  provider: 'streampixel',
  defaultBaseUrl: STREAMPIXEL_BASE_URL,
  // The page only says "a few seconds between polls is plenty"; 3 s is the smallest reading of "a few".
  floorMs: 3_000,
  floorSource: 'the userStats page: "a few seconds between polls is plenty"',
  targetShape: streampixelTargetShape,
  credentials: z.object({ userId: z.string().min(1), apikey: z.string().min(1) }),
  project: (target) => target.projectId,
  checkTarget: checkStreampixelTarget,
  accountOf: streampixelAccount,
  request(target, credentials, baseUrl) {
    const url = joinUrl(
      baseUrl,
      `pixelStripeApi/projects/userStats/${encodeURIComponent(target.projectId ?? '')}`,
    );
    url.searchParams.set('userId', credentials.userId);
    // All lower-case: the page insists this one is `apikey`, not `apiKey`.
    url.searchParams.set('apikey', credentials.apikey);
    return { url, headers: { accept: 'application/json' } };
  },
  parse: parseStats,
});
