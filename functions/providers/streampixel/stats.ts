import { z } from 'zod';
import { countSchema, parseWith } from '../failures.js';
import type { ParseResult, ProviderResponse } from '../types.js';

/** Both Streampixel stats endpoints answer `{"liveUser": n, "queueUser": n}`. */
export const statsBodySchema = z.object({ liveUser: countSchema, queueUser: countSchema });

export const STREAMPIXEL_BASE_URL = 'https://api.streampixel.io';

/** Config keys of a Streampixel target. */
export const streampixelTargetShape = {
  /** The project whose concurrency is read. */
  projectId: z
    .string()
    .min(1)
    // URLs resolve dot segments even when encoded: `..` would send the key to another path.
    .refine((id) => id !== '.' && id !== '..', { message: 'a project id cannot be "." or ".."' })
    .describe('Streampixel project id (the `{id}` of the stats path).'),
};

export function parseStats(response: ProviderResponse): ParseResult {
  return parseWith(response, statsBodySchema, (body) => ({
    ints: { live: body.liveUser, queued: body.queueUser },
    strings: {},
  }));
}
