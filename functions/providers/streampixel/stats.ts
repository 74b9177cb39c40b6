import * as z from 'zod';
import { durationSchema } from '../../time/duration.js';
import { countSchema, joinUrl, parseWith } from '../failures.js';
import type { ParseResult, ProviderResponse } from '../types.js';
import { projectIdProblem, STREAMPIXEL_BASE_URL, streampixelListing } from './projects.js';

/** Both Streampixel stats endpoints answer `{"liveUser": n, "queueUser": n}`. */
export const statsBodySchema = z.object({ liveUser: countSchema, queueUser: countSchema });

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
  capabilities: {
    figures: ['queue'],
    discovery: streampixelListing,
    projectTags: ['project', 'project_name', 'region'],
  },
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
