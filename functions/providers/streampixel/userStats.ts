import * as z from 'zod';
import { defineAdapter } from '../types.js';
import { statsUrl, streampixelStats } from './stats.js';

/** `GET /pixelStripeApi/projects/userStats/{projectId}?userId=…&apikey=…`: the key travels in the URL. */
export const userStats = defineAdapter({
  ...streampixelStats,
  endpoint: 'streampixel.userStats',
  // The page only says "a few seconds between polls is plenty"; 3 s is the smallest reading of "a few".
  floorMs: 3_000,
  floorSource: 'the userStats page: "a few seconds between polls is plenty"',
  credentials: z.object({ userId: z.string().min(1), apikey: z.string().min(1) }),
  request(target, credentials, baseUrl) {
    const url = statsUrl(baseUrl, 'userStats', target.projectId);
    url.searchParams.set('userId', credentials.userId);
    // All lower-case: the page insists this one is `apikey`, not `apiKey`.
    url.searchParams.set('apikey', credentials.apikey);
    return { url, headers: { accept: 'application/json' } };
  },
});
