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

/** `GET /pixelStripeApi/projects/liveStats/{projectId}?userId=…` */
export const liveStats = defineAdapter({
  endpoint: 'streampixel.liveStats',
  provider: 'streampixel',
  defaultBaseUrl: STREAMPIXEL_BASE_URL,
  floorMs: 5_000,
  floorSource: 'the liveStats page: "Do not poll faster than once every 5 seconds"',
  targetShape: streampixelTargetShape,
  credentials: z.object({ userId: z.string().min(1) }),
  project: (target) => target.projectId,
  checkTarget: checkStreampixelTarget,
  accountOf: streampixelAccount,
  request(target, credentials, baseUrl) {
    const url = joinUrl(
      baseUrl,
      `pixelStripeApi/projects/liveStats/${encodeURIComponent(target.projectId ?? '')}`,
    );
    url.searchParams.set('userId', credentials.userId);
    return { url, headers: { accept: 'application/json' } };
  },
  parse: parseStats,
});
