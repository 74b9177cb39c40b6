import type * as z from 'zod';
import type { Outcome } from './outcome.js';

/** What an adapter asks the HTTP edge to fetch. */
export interface ProviderRequest {
  url: URL;
  headers: Record<string, string>;
}

/**
 * The response headers an adapter reads (`retry-after`): the part of `Headers` it needs, so that the HTTP edge
 * need not build a `Headers` per response (loading undici's for that alone costs CPU and memory).
 */
export interface ResponseHeaders {
  /** The header's value, several joined with ", ", or null; the name is case-insensitive. */
  get(name: string): string | null;
}

/** A complete HTTP answer, as the HTTP edge read it. */
export interface ProviderResponse {
  status: number;
  headers: ResponseHeaders;
  /** The body decoded as UTF-8 (the edge rejects bodies that are not). */
  body: string;
}

/** One successful reading of an endpoint, before it becomes a point. */
export interface Sample {
  /** The `project` tag when only the response knows it (Metered's `appId`). */
  project?: string;
  /** Integer fields of the `concurrency` point. */
  ints: Record<string, number>;
  /** String fields of the `concurrency` point. */
  strings: Record<string, string>;
}

/** Why a reading failed, classified for `collector_run` and for the retry decision. */
export interface Failure {
  outcome: Outcome;
  /** 0 when there was no HTTP response. */
  httpStatus: number;
  /**
   * The provider's words as they came, never cut: the run scrubs credentials from it, then shortens it into the
   * `error` field (cutting first could split a key and leave its first characters unrecognised).
   */
  message: string;
  /** Whether another attempt inside the same sample may succeed (timeouts, resets, 5xx). */
  retryable: boolean;
  /** How long the provider asked us to wait, from `Retry-After` or its message. */
  retryAfterMs?: number;
}

export type ParseResult = { ok: true; sample: Sample } | { ok: false; failure: Failure };

/** The keys every target has, whatever its endpoint. */
export interface BaseTarget {
  name: string;
  endpoint: string;
  secret: string;
  /** Milliseconds between samples. */
  interval: number;
  /** Milliseconds one attempt may take, response body included. */
  timeout: number;
  baseUrl?: string;
  tags: Record<string, string>;
  /** Concurrent users the plan or setup allows; the `capacity` field of its points (see `capacityOf`). */
  capacity?: number;
  /**
   * Tags of a project found by discovery (`project_name`, `region`), set by the run on the per-project copy of a
   * discovering target; never in the config file.
   */
  projectTags?: Record<string, string>;
}

/**
 * The `concurrency` fields of each figure group. `live` is written by every endpoint; the others only by endpoints
 * whose {@link Capabilities} name the group. Readers (report, dashboards, tooling) select fields through these
 * groups, never through a provider's name.
 */
export const FIGURE_FIELDS = {
  live: ['live'],
  /** Users waiting for a slot. */
  queue: ['queued'],
  /** The plan's own limits and period counters; `plan_max_connections` is a capacity source. */
  plan: [
    'plan_max_connections',
    'plan_max_messages',
    'period_peak',
    'messages_used',
    'overage_connections',
    'overage_messages',
    'period_start',
    'period_end',
  ],
} as const;

export type FigureGroup = keyof typeof FIGURE_FIELDS;

/** The `plan` field that is the capacity of a target that configures none. */
export const PLAN_CAPACITY_FIELD = 'plan_max_connections' satisfies (typeof FIGURE_FIELDS.plan)[number];

/** What an endpoint's points can say, so that nothing outside its folder needs to know which provider it is. */
export interface Capabilities {
  /** Figure groups written beside `live`. */
  readonly figures: readonly Exclude<FigureGroup, 'live'>[];
  /**
   * How a target of this endpoint discovers its account's projects instead of naming one; `false` when it cannot.
   * Truthy exactly when the endpoint can discover.
   */
  readonly discovery: false | AnyProjectListing;
  /**
   * The tags that tell one project of a target from another, `project` first; discovered projects add their name
   * and region.
   */
  readonly projectTags: readonly string[];
}

/** A project of an account, as a provider's listing names it. */
export interface ListedProject {
  /** What the per-project copy of a discovering target polls (see {@link ProjectListing.projectKeys}). */
  id: string;
  name: string;
  /** Where the listing gives one. */
  region?: string;
  /** Inactive projects always count 0: skipped unless a target asks for them. */
  active: boolean;
}

/** One answer of a listing request: a page of projects, or the classified failure. */
export type ListingPage =
  | { ok: true; projects: ListedProject[]; totalPages: number }
  | { ok: false; failure: Failure };

/** Performs one listing request (the run's HTTP edge, inside the account's cap) and reads the answer. */
export type ListingFetch = (
  request: ProviderRequest,
  parse: (response: ProviderResponse) => ListingPage,
) => Promise<ListingPage>;

/** The listing knowledge of a provider that can discover projects; the caching and selection are not its business. */
export interface ProjectListing<TCredentials extends z.ZodType = z.ZodType> {
  /** The keys of the secret the listing needs (it may need more than the stats endpoint). */
  readonly credentials: TCredentials;
  /** Defaults of the discovery keys of a target (`includeInactive`, `maxProjects`, `listingCache`). */
  readonly defaults: { includeInactive: boolean; maxProjects: number; listingCacheMs: number };
  /** What identifies one account's listing in the cache. */
  cacheKey(credentials: z.output<TCredentials>): string;
  /**
   * Every project of the account, through `fetch` (one or more requests, all made through it). Stops with a
   * failure rather than follow more pages than `maxProjects` can need. `baseUrl` is the target's, else the
   * adapter's default.
   */
  list(
    baseUrl: string | undefined,
    credentials: z.output<TCredentials>,
    fetch: ListingFetch,
    maxProjects: number,
  ): Promise<{ ok: true; projects: ListedProject[] } | { ok: false; failure: Failure }>;
  /** The keys that make a discovering target's copy poll one listed project (Streampixel: its `projectId`). */
  projectKeys(project: ListedProject): Record<string, string>;
  /**
   * Why a listed id may not be polled (a listing is the provider's text, and an id such as `..` would send the key
   * to another path); `undefined` when it may. Refused ids are reported, never requested.
   */
  idProblem?(id: string): string | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: capabilities hold listings of different credential schemas.
export type AnyProjectListing = ProjectListing<any>;

/**
 * One stats endpoint of one provider: how to ask it, and how to read its answer.
 * Adapters are pure: they build requests and parse responses; the run does the I/O.
 */
export interface Adapter<
  TShape extends z.ZodRawShape = z.ZodRawShape,
  TCredentials extends z.ZodType = z.ZodType,
> {
  /** The endpoint id used in the config and in the `endpoint` tag, e.g. `streampixel.liveStats`. */
  readonly endpoint: string;
  /** The `provider` tag. */
  readonly provider: string;
  /** The figure groups and project handling of its points. */
  readonly capabilities: Capabilities;
  /**
   * The production host, used when a target sets no `baseUrl`; `undefined` when each customer has its own (then
   * `checkTarget` requires `baseUrl`) or when the target names its whole URL.
   */
  readonly defaultBaseUrl: string | undefined;
  /** The shortest interval the provider's page allows, in milliseconds. */
  readonly floorMs: number;
  /** Where `floorMs` comes from, quoted in the configuration error. */
  readonly floorSource: string;
  /** Config keys this endpoint adds to a target. */
  readonly targetShape: TShape;
  /** The JSON keys this endpoint needs in its secret. */
  readonly credentials: TCredentials;
  /** The JSON keys a target's secret needs, where the target names them (a generic endpoint); else `credentials`. */
  credentialsFor?(target: BaseTarget & z.output<z.ZodObject<TShape>>): z.ZodObject;
  /** The `project` tag known from the config alone. */
  project(target: BaseTarget & z.output<z.ZodObject<TShape>>): string | undefined;
  /** `baseUrl` is the target's, else `defaultBaseUrl`; an endpoint without a default does not rely on it. */
  request(
    target: BaseTarget & z.output<z.ZodObject<TShape>>,
    credentials: z.output<TCredentials>,
    baseUrl: string,
  ): ProviderRequest;
  /** Reads an answer to a request built for `target` (a generic endpoint finds its fields through the target). */
  parse(response: ProviderResponse, target: BaseTarget & z.output<z.ZodObject<TShape>>): ParseResult;
  /** Problems of a target's keys taken together (such as "exactly one of"), each with the key it is about. */
  checkTarget?(target: BaseTarget & z.output<z.ZodObject<TShape>>): Array<{ key: string; message: string }>;
  /**
   * The account a request of these credentials counts against, where the provider limits requests in flight per
   * account (Streampixel: per `userId`); `undefined` where it does not.
   */
  accountOf?(credentials: z.output<TCredentials>): string | undefined;
}

/**
 * An adapter with its types erased, as the registry and the run hold it: the config schema has already
 * checked each target against its own adapter's shape.
 */
export type AnyAdapter = Omit<
  ErasedAdapter,
  'project' | 'request' | 'parse' | 'checkTarget' | 'accountOf' | 'credentialsFor'
> & {
  project(target: BaseTarget): string | undefined;
  request(target: BaseTarget, credentials: unknown, baseUrl: string | undefined): ProviderRequest;
  parse(response: ProviderResponse, target: BaseTarget): ParseResult;
  credentialsFor?(target: BaseTarget): z.ZodObject;
  checkTarget?(target: BaseTarget): Array<{ key: string; message: string }>;
  accountOf?(credentials: unknown): string | undefined;
};

// biome-ignore lint/suspicious/noExplicitAny: the registry holds adapters of different shapes.
type ErasedAdapter = Adapter<any, any>;

/** The schema of the credentials a target's secret must hold. */
export function credentialsSchemaOf(adapter: AnyAdapter, target: BaseTarget): z.ZodType {
  return adapter.credentialsFor?.(target) ?? adapter.credentials;
}

/** Keeps an adapter's own types while checking it against the interface. */
export function defineAdapter<TShape extends z.ZodRawShape, TCredentials extends z.ZodType>(
  adapter: Adapter<TShape, TCredentials>,
): Adapter<TShape, TCredentials> {
  return adapter;
}
