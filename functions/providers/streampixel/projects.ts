import * as z from 'zod';
import { MINUTE_MS } from '../../time/units.js';
import { joinUrl, readBody } from '../failures.js';
import type {
  ListedProject,
  ListingPage,
  ProjectListing,
  ProviderRequest,
  ProviderResponse,
} from '../types.js';

/** Streampixel's production host, of the stats endpoints and the listings alike. */
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

/** The listings read the same secret as the stats endpoints; `apikey` unlocks the one-request listing. */
export const listingCredentialsSchema = z.object({
  userId: z.string().min(1),
  apikey: z.string().min(1).optional(),
});
export type ListingCredentials = z.output<typeof listingCredentialsSchema>;

/** Projects per page of the paginated listing: its documented default. */
export const PAGE_SIZE = 20;

const projectsStatusSchema = z.object({
  totalProjects: z.number().int().nonnegative().optional(),
  projects: z.array(
    z.object({
      _id: z.string(),
      name: z.string(),
      status: z.boolean(),
      subscriptionStatus: z.unknown(),
    }),
  ),
});

const projectsPageSchema = z.object({
  projects: z.array(
    z.object({ id: z.string(), name: z.string(), region: z.string().optional(), status: z.string() }),
  ),
  page: z.number().int().positive(),
  totalPages: z.number().int().nonnegative(),
  totalProjects: z.number().int().nonnegative().optional(),
});

/** `GET /pixelStripeApi/projects/projects-status?userId=…&apikey=…`: every project in one answer. */
export function projectsStatusRequest(baseUrl: string, credentials: ListingCredentials): ProviderRequest {
  const url = joinUrl(baseUrl, 'pixelStripeApi/projects/projects-status');
  url.searchParams.set('userId', credentials.userId);
  url.searchParams.set('apikey', credentials.apikey ?? '');
  return { url, headers: { accept: 'application/json' } };
}

/** `GET /pixelStripeApi/projects?userId=…&page=N&limit=20`: one page of the paginated listing. */
export function projectsPageRequest(
  baseUrl: string,
  credentials: ListingCredentials,
  page: number,
): ProviderRequest {
  const url = joinUrl(baseUrl, 'pixelStripeApi/projects');
  url.searchParams.set('userId', credentials.userId);
  url.searchParams.set('page', String(page));
  url.searchParams.set('limit', String(PAGE_SIZE));
  return { url, headers: { accept: 'application/json' } };
}

export function parseProjectsStatus(response: ProviderResponse): ListingPage {
  const read = readBody(response, projectsStatusSchema);
  if (!read.ok) return read;
  const projects = read.body.projects.map((project) => ({
    id: project._id,
    name: project.name,
    active: project.status,
  }));
  return { ok: true, projects, totalPages: 1 };
}

export function parseProjectsPage(response: ProviderResponse): ListingPage {
  const read = readBody(response, projectsPageSchema);
  if (!read.ok) return read;
  const projects = read.body.projects.map((project) => ({
    id: project.id,
    name: project.name,
    ...(project.region ? { region: project.region } : {}),
    active: project.status === 'active',
  }));
  return { ok: true, projects, totalPages: read.body.totalPages };
}

/** Pages the paginated listing may need for `maxProjects`, with one page of slack. */
export function pagesFor(maxProjects: number): number {
  return Math.ceil(maxProjects / PAGE_SIZE) + 1;
}

/**
 * A Streampixel account's projects: `projects-status` first when the secret has an `apikey`; the paginated
 * listing when that answers 404 or there is no `apikey`, every page followed up to what `maxProjects` can need.
 */
export const streampixelListing: ProjectListing<typeof listingCredentialsSchema> = {
  credentials: listingCredentialsSchema,
  defaults: { includeInactive: false, maxProjects: 50, listingCacheMs: 15 * MINUTE_MS },
  cacheKey: (credentials) => credentials.userId,
  projectKeys: (project) => ({ projectId: project.id }),
  idProblem: projectIdProblem,
  async list(baseUrl = STREAMPIXEL_BASE_URL, credentials, fetch, maxProjects) {
    if (credentials.apikey) {
      const all = await fetch(projectsStatusRequest(baseUrl, credentials), parseProjectsStatus);
      if (all.ok) return { ok: true, projects: all.projects };
      // An account on the older API answers 404 here: the paginated listing is the way in.
      if (all.failure.httpStatus !== 404) return all;
    }
    const maxPages = pagesFor(maxProjects);
    const projects: ListedProject[] = [];
    for (let page = 1; ; page++) {
      const answer = await fetch(projectsPageRequest(baseUrl, credentials, page), parseProjectsPage);
      if (!answer.ok) return answer;
      projects.push(...answer.projects);
      if (page >= answer.totalPages || answer.projects.length === 0) break;
      if (page >= maxPages) {
        const message = `listing has ${answer.totalPages} pages; stopped after ${page} (maxProjects)`;
        return { ok: false, failure: { outcome: 'discovery', httpStatus: 200, message, retryable: false } };
      }
    }
    return { ok: true, projects };
  },
};
