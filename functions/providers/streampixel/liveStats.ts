import * as z from 'zod';
import { defineAdapter } from '../types.js';
import { statsUrl, streampixelStats } from './stats.js';

/** `GET /pixelStripeApi/projects/liveStats/{projectId}?userId=…` */
export const liveStats = defineAdapter({
  ...streampixelStats,
  endpoint: 'streampixel.liveStats',
  floorMs: 5_000,
  floorSource: 'the liveStats page: "Do not poll faster than once every 5 seconds"',
  credentials: z.object({ userId: z.string().min(1) }),
  request(target, credentials, baseUrl) {
    const url = statsUrl(baseUrl, 'liveStats', target.projectId);
    url.searchParams.set('userId', credentials.userId);
    return { url, headers: { accept: 'application/json' } };
  },
});
