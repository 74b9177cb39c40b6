/**
 * The projects of the simulated Streampixel account, and the bodies of its two project listings
 * (`projects-status`, all at once, and the paginated `projects`). Pure: the server keeps the list,
 * checks credentials and decides which listing exists.
 */

import { DAY_MS } from '../../../functions/time/units.js';
import { hashString } from '../../curves.js';

/** One project of the simulated Streampixel account. */
export interface SimulatedProject {
  /** 24 hex digits like a Mongo ObjectId; the `projectId` of liveStats/userStats. */
  id: string;
  name: string;
  /** e.g. `eu-west-1`. */
  region: string;
  /** An inactive project lists as `status: false` / `"inactive"`, with subscription `canceled`. */
  active: boolean;
  /** ISO 8601 timestamp. */
  createdAt: string;
  /** ISO 8601 timestamp, never before `createdAt`. */
  updatedAt: string;
}

/** One entry of `GET /pixelStripeApi/projects/projects-status`. */
export interface ProjectStatusEntry {
  _id: string;
  name: string;
  status: boolean;
  subscriptionStatus: 'active' | 'canceled';
}

/** The body of `GET /pixelStripeApi/projects/projects-status`. */
export interface ProjectsStatusBody {
  totalProjects: number;
  projects: ProjectStatusEntry[];
}

/** One entry of the paginated `GET /pixelStripeApi/projects`. */
export interface ProjectPageEntry {
  id: string;
  name: string;
  region: string;
  status: 'active' | 'inactive';
  createdAt: string;
  updatedAt: string;
}

/** The body of the paginated `GET /pixelStripeApi/projects`. */
export interface ProjectsPageBody {
  projects: ProjectPageEntry[];
  page: number;
  totalPages: number;
  totalProjects: number;
}

/** Page size when the request names none. */
export const DEFAULT_PAGE_LIMIT = 20;
/** Largest page size the paginated listing accepts; a larger one is a 400. */
export const MAX_PAGE_LIMIT = 100;

/** A 5-byte constant, like the timestamp + machine part of ObjectIds minted by one process. */
const ID_PREFIX = '64f1c0ffee';
/** The trailing counter is 3 bytes, as in an ObjectId. */
const MAX_ID_INDEX = 0xff_ffff;
/** The first default project's creation day; the others follow every 3 days. */
const CREATED_FROM_MS = Date.UTC(2024, 0, 8);
const DEFAULT_REGION = 'eu-west-1';
/** A Map rather than an object literal: names are user input, and "constructor-x" must match nothing. */
const REGION_BY_PREFIX: ReadonlyMap<string, string> = new Map([
  ['eu', 'eu-west-1'],
  ['us', 'us-east-1'],
  ['ap', 'ap-southeast-1'],
]);
/** Three name prefixes of distinct sizes, so that a glob like `eu-*` selects a countable subset. */
const DEFAULT_GROUPS = [
  ['eu', 20],
  ['us', 15],
  ['ap', 10],
] as const;
/** The default list's one inactive project, on the paginated listing's second page. */
const DEFAULT_INACTIVE_NAME = 'us-007';

/**
 * The id of the `index`-th simulated project: the fixed prefix, 8 hex digits of a hash of the index,
 * and the index itself as a 6-digit counter, so that ids look random yet never collide.
 *
 * @throws RangeError when `index` is not an integer in [0, 0xffffff].
 */
export function simulatedProjectId(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > MAX_ID_INDEX) {
    throw new RangeError(`project index must be an integer in [0, ${MAX_ID_INDEX}], got ${index}`);
  }
  const hash = hashString(`project:${index}`).toString(16).padStart(8, '0');
  return `${ID_PREFIX}${hash}${index.toString(16).padStart(6, '0')}`;
}

/** The region a project name implies by its prefix (`eu-…`, `us-…`, `ap-…`), `eu-west-1` otherwise. */
export function regionForName(name: string): string {
  return REGION_BY_PREFIX.get(name.split('-', 1)[0] ?? '') ?? DEFAULT_REGION;
}

function defaultProjects(): SimulatedProject[] {
  const projects: SimulatedProject[] = [];
  for (const [prefix, count] of DEFAULT_GROUPS) {
    for (let n = 1; n <= count; n++) {
      const index = projects.length;
      const name = `${prefix}-${String(n).padStart(3, '0')}`;
      // Whole seconds within the day, so the ISO strings read like a real API's.
      const created = CREATED_FROM_MS + index * 3 * DAY_MS + (hashString(`created:${index}`) % 86_400) * 1000;
      const updated = created + (1 + (hashString(`updated:${index}`) % 120)) * DAY_MS;
      projects.push({
        id: simulatedProjectId(index),
        name,
        region: regionForName(name),
        active: name !== DEFAULT_INACTIVE_NAME,
        createdAt: new Date(created).toISOString(),
        updatedAt: new Date(updated).toISOString(),
      });
    }
  }
  return projects;
}

/**
 * The account's projects unless a simulator is given others: 45 projects, `eu-001`…`eu-020`
 * (eu-west-1), `us-001`…`us-015` (us-east-1), `ap-001`…`ap-010` (ap-southeast-1), in that order;
 * `us-007` is inactive.
 */
export const DEFAULT_SIMULATOR_PROJECTS: readonly Readonly<SimulatedProject>[] = Object.freeze(
  defaultProjects().map((project) => Object.freeze(project)),
);

/** @throws Error naming the first id that appears twice. */
export function assertUniqueIds(projects: readonly SimulatedProject[]): void {
  const seen = new Set<string>();
  for (const { id } of projects) {
    if (seen.has(id)) {
      throw new Error(`simulated project id "${id}" appears twice`);
    }
    seen.add(id);
  }
}

/**
 * A project to add to `existing`: the given fields, completed with a fresh id, `fallbackName`, the
 * region its name implies, `active: true`, and `nowMs` as both timestamps.
 *
 * @throws Error when the given id is already taken.
 */
export function newProject(
  existing: readonly SimulatedProject[],
  fields: Partial<SimulatedProject>,
  fallbackName: string,
  nowMs: number,
): SimulatedProject {
  const taken = new Set(existing.map((project) => project.id));
  if (fields.id !== undefined && taken.has(fields.id)) {
    throw new Error(`simulated project id "${fields.id}" is already taken`);
  }
  let index = existing.length;
  // Custom lists may already use ids of this scheme: skip to the first free counter.
  while (fields.id === undefined && taken.has(simulatedProjectId(index))) {
    index += 1;
  }
  const name = fields.name ?? fallbackName;
  const now = new Date(nowMs).toISOString();
  return {
    id: fields.id ?? simulatedProjectId(index),
    name,
    region: fields.region ?? regionForName(name),
    active: fields.active ?? true,
    createdAt: fields.createdAt ?? now,
    updatedAt: fields.updatedAt ?? fields.createdAt ?? now,
  };
}

/** The `projects-status` body: every project at once. */
export function projectsStatusBody(projects: readonly SimulatedProject[]): ProjectsStatusBody {
  return {
    totalProjects: projects.length,
    projects: projects.map((project) => ({
      _id: project.id,
      name: project.name,
      status: project.active,
      subscriptionStatus: project.active ? 'active' : 'canceled',
    })),
  };
}

/** `page` and `limit` of a paginated request, or the 400 message when either is unusable. */
export type PageRequest = { page: number; limit: number } | { error: string };

/** A positive decimal integer; an absent or empty parameter takes `fallback`. */
function positiveInteger(raw: string | null, fallback: number): number | undefined {
  if (raw === null || raw === '') {
    return fallback;
  }
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  return Number.isSafeInteger(value) && value >= 1 ? value : undefined;
}

/** Reads `page` (default 1) and `limit` (default 20, at most 100) from a query string. */
export function parsePageRequest(query: URLSearchParams): PageRequest {
  const page = positiveInteger(query.get('page'), 1);
  if (page === undefined) {
    return { error: 'page must be a positive integer' };
  }
  const limit = positiveInteger(query.get('limit'), DEFAULT_PAGE_LIMIT);
  if (limit === undefined || limit > MAX_PAGE_LIMIT) {
    return { error: `limit must be an integer between 1 and ${MAX_PAGE_LIMIT}` };
  }
  return { page, limit };
}

/** One page of the paginated listing; a page past the end holds no projects. */
export function projectsPageBody(
  projects: readonly SimulatedProject[],
  page: number,
  limit: number,
): ProjectsPageBody {
  const start = (page - 1) * limit;
  return {
    projects: projects.slice(start, start + limit).map((project) => ({
      id: project.id,
      name: project.name,
      region: project.region,
      status: project.active ? 'active' : 'inactive',
      createdAt: project.createdAt,
      updatedAt: project.updatedAt,
    })),
    page,
    totalPages: Math.ceil(projects.length / limit),
    totalProjects: projects.length,
  };
}
