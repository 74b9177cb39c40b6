import { z } from 'zod';
import { joinUrl, readBody } from '../failures.js';
import type { Failure, ProviderRequest, ProviderResponse } from '../types.js';

/** A project of a Streampixel account, from either listing. */
export interface ListedProject {
  /** The `projectId` of the stats endpoints. */
  id: string;
  name: string;
  /** Only the paginated listing gives it. */
  region?: string;
  /** `status: true` (projects-status) or `status: "active"` (paginated listing). */
  active: boolean;
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

export type ListingPage =
  | { ok: true; projects: ListedProject[]; totalPages: number }
  | { ok: false; failure: Failure };

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
