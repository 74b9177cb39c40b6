import { z } from 'zod';
import { durationSchema } from '../../config/duration.js';
import { countSchema, joinUrl, parseWith } from '../failures.js';
import type { ParseResult, ProviderResponse } from '../types.js';

/** Both Streampixel stats endpoints answer `{"liveUser": n, "queueUser": n}`. */
export const statsBodySchema = z.object({ liveUser: countSchema, queueUser: countSchema });

export const STREAMPIXEL_BASE_URL = 'https://api.streampixel.io';

/** The longest project id accepted; Streampixel's are 24 hexadecimal digits. */
const MAX_PROJECT_ID_LENGTH = 128;
const PROJECT_ID = /^[A-Za-z0-9._~-]+$/;

/**
 * Why a project id, configured or listed, may not be put in a stats path; `undefined` when it may. Only URL-safe
 * characters: URLs resolve dot segments even when encoded (`..` would send the key to another path), and an id
 * with `/`, `?`, `%` or `#` is not one Streampixel hands out.
 */
export function projectIdProblem(id: string): string | undefined {
  if (id === '') return 'a project id cannot be empty';
  if (id.length > MAX_PROJECT_ID_LENGTH)
    return `a project id has at most ${MAX_PROJECT_ID_LENGTH} characters`;
  if (/^\.+$/.test(id)) return 'a project id cannot be only dots ("." and ".." are path segments)';
  if (!PROJECT_ID.test(id)) return 'a project id has only letters, digits, ".", "_", "~" and "-"';
  return undefined;
}

/** Config keys of a Streampixel target: one `projectId`, or `projects` to discover. */
export const streampixelTargetShape = {
  projectId: z
    .string()
    .superRefine((id, ctx) => {
      const problem = projectIdProblem(id);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional()
    .describe('Streampixel project id (the `{id}` of the stats path). Either this or `projects`.'),
  projects: z
    .union([z.literal('all'), z.array(z.string().min(1)).min(1)])
    .optional()
    .describe(
      'Discover the account\'s projects instead of naming one: "all", or shell-style globs matched case-sensitively ' +
        'against project names (["eu-*"]).',
    ),
  exclude: z
    .array(z.string().min(1))
    .optional()
    .describe('With `projects`: globs of project names left out, applied after `projects`.'),
  includeInactive: z
    .boolean()
    .optional()
    .describe(
      'With `projects`: also poll projects the listing marks inactive (their counts are 0). Default false.',
    ),
  maxProjects: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .describe(
      'With `projects`: the most projects expected; `cdk deploy` sizes timeout and shards by it. Default 50.',
    ),
  listingCache: durationSchema
    .optional()
    .describe(
      'With `projects`: how long a project listing is reused before the account is listed again. Default "15m".',
    ),
};

/** Defaults of the discovery keys, applied where they are read (the keys stay absent for a plain `projectId`). */
export const DISCOVERY_DEFAULTS = {
  includeInactive: false,
  maxProjects: 50,
  listingCacheMs: 15 * 60_000,
} as const;

interface StreampixelTarget {
  projectId?: string;
  projects?: 'all' | string[];
  exclude?: string[];
  includeInactive?: boolean;
  maxProjects?: number;
  listingCache?: number;
}

/** Exactly one of `projectId` and `projects`; the discovery keys only with `projects`. */
export function checkStreampixelTarget(target: StreampixelTarget): Array<{ key: string; message: string }> {
  if (target.projectId !== undefined && target.projects !== undefined) {
    return [{ key: 'projects', message: 'name either projectId or projects, not both' }];
  }
  if (target.projectId === undefined && target.projects === undefined) {
    return [{ key: 'projectId', message: 'required (or "projects" to discover the account\'s projects)' }];
  }
  if (target.projectId !== undefined) {
    return (['exclude', 'includeInactive', 'maxProjects', 'listingCache'] as const)
      .filter((key) => target[key] !== undefined)
      .map((key) => ({ key, message: 'only applies with "projects"' }));
  }
  return [];
}

/** Streampixel throttles per account: requests in flight are capped per `userId`. */
export function streampixelAccount(credentials: { userId: string }): string {
  return `streampixel:${credentials.userId}`;
}

export function parseStats(response: ProviderResponse): ParseResult {
  return parseWith(response, statsBodySchema, (body) => ({
    ints: { live: body.liveUser, queued: body.queueUser },
    strings: {},
  }));
}

/** What both Streampixel stats adapters share: host, keys, project tag, account, and the answer's shape. */
export const streampixelStats = {
  provider: 'streampixel',
  capabilities: { figures: ['queue'], discovery: true, projectTags: ['project', 'project_name', 'region'] },
  defaultBaseUrl: STREAMPIXEL_BASE_URL,
  targetShape: streampixelTargetShape,
  project: (target: { projectId?: string }) => target.projectId,
  checkTarget: checkStreampixelTarget,
  accountOf: streampixelAccount,
  parse: parseStats,
} as const;

/** `{base}/pixelStripeApi/projects/{kind}/{projectId}`, the project id kept inside its path segment. */
export function statsUrl(
  baseUrl: string,
  kind: 'liveStats' | 'userStats',
  projectId: string | undefined,
): URL {
  return joinUrl(baseUrl, `pixelStripeApi/projects/${kind}/${encodeURIComponent(projectId ?? '')}`);
}
