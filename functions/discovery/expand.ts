import type { Target } from '../config/schema.js';
import type { AccountLimit } from '../http/account-limit.js';
import type { RunLog } from '../log/run-log.js';
import type { SampleRecord } from '../points/build.js';
import { type DiscoveringTarget, isDiscovering, listingOf } from '../providers/discovering.js';
import { shortMessage } from '../providers/failures.js';
import { adapterFor } from '../providers/registry.js';
import type { AnyProjectListing, Failure, ListedProject } from '../providers/types.js';
import type { PlannedSample } from '../schedule/plan.js';
import { parseCredentials } from '../secrets/credentials.js';
import type { RunSecrets } from '../secrets/run-secrets.js';
import { SecretError } from '../secrets/source.js';
import type { DiscoveryResult, ProjectDiscovery } from './discover.js';
import { type ProjectSelection, selectProjects } from './match.js';

export interface ExpansionContext {
  discovery: ProjectDiscovery;
  secrets: RunSecrets;
  limit: AccountLimit;
  log: RunLog;
  now: () => number;
  signal?: AbortSignal;
}

export interface Expansion {
  /** The plan with each discovering target's samples replaced by one sample per polled project. */
  samples: PlannedSample[];
  /** `discovery` (or `config`) records of listings that failed, one per target per run. */
  records: SampleRecord[];
}

/**
 * Replaces the samples of discovering targets by one sample per project to poll: a copy of the target with the
 * project's id and its `project_name` / `region` tags. The target keeps its name, so points group by target
 * (account) or by project. A failed listing falls back to the last good one and is reported either way.
 */
export async function expandDiscovery(
  samples: readonly PlannedSample[],
  context: ExpansionContext,
): Promise<Expansion> {
  const discovering = [
    ...new Map(samples.filter((s) => isDiscovering(s.target)).map((s) => [s.target.name, s.target])).values(),
  ];
  if (discovering.length === 0) return { samples: [...samples], records: [] };

  const records: SampleRecord[] = [];
  const polled = new Map<string, ListedProject[]>();
  await Promise.all(
    discovering.map(async (target) => {
      const at = Math.min(...samples.filter((s) => s.target.name === target.name).map((s) => s.at));
      const started = context.now();
      const failed = (failure: Failure, attempts: number, project?: string) =>
        records.push({
          target,
          adapter: adapterFor(target.endpoint),
          at,
          outcome: failure.outcome === 'config' ? 'config' : 'discovery',
          project,
          httpStatus: failure.httpStatus,
          attempts,
          durationMs: context.now() - started,
          latenessMs: started - at,
          error: shortMessage(context.secrets.scrub(failure.message)),
        });
      try {
        const { result, selection } = await discoverTarget(target as Target & DiscoveringTarget, context);
        if (result.failure) {
          const fallback =
            result.source === 'fallback' ? 'using the last good listing' : 'no earlier listing';
          failed(
            { ...result.failure, message: `project listing failed (${fallback}): ${result.failure.message}` },
            result.requests,
          );
        }
        context.log.info('discovered projects', {
          target: target.name,
          source: result.source,
          listed: result.projects.length,
          polled: selection.polled.length,
          inactive_skipped: selection.inactive.length,
          excluded: selection.excluded.length,
        });
        const { valid, refused } = checkListedIds(
          listingOf(target as Target & DiscoveringTarget),
          selection.polled,
        );
        // One record per refused id, each its own `project` series, so that none overwrites another.
        for (const { id, message } of refused) {
          failed({ outcome: 'discovery', httpStatus: 0, message, retryable: false }, 0, id);
        }
        polled.set(target.name, valid);
      } catch (error) {
        if (!(error instanceof SecretError)) throw error;
        failed({ outcome: 'config', httpStatus: 0, message: error.message, retryable: false }, 0);
        polled.set(target.name, []);
      }
    }),
  );

  const expanded = samples.flatMap((sample) => {
    const { target } = sample;
    if (!isDiscovering(target)) return [sample];
    return (polled.get(target.name) ?? []).map((project) => ({
      target: projectTarget(target, project),
      at: sample.at,
    }));
  });
  return { samples: expanded, records };
}

/**
 * Lists a discovering target's account (through the cache) and applies its rule. Throws `SecretError` when its
 * secret lacks `userId`.
 */
export async function discoverTarget(
  target: Target & DiscoveringTarget,
  context: Pick<ExpansionContext, 'discovery' | 'secrets' | 'limit' | 'signal'>,
  options: { fresh?: boolean } = {},
): Promise<{ result: DiscoveryResult; selection: ProjectSelection }> {
  const adapter = adapterFor(target.endpoint);
  const listing = listingOf(target);
  const credentials = parseCredentials(
    target.secret,
    await context.secrets.get(target.secret),
    listing.credentials,
  );
  const result = await context.discovery.list({
    listing,
    baseUrl: target.baseUrl ?? adapter.defaultBaseUrl,
    credentials,
    cacheMs: options.fresh ? 0 : (target.listingCache ?? listing.defaults.listingCacheMs),
    timeoutMs: target.timeout,
    maxProjects: target.maxProjects ?? listing.defaults.maxProjects,
    account: adapter.accountOf?.(credentials) ?? '',
    limit: context.limit,
    ...(context.signal ? { signal: context.signal } : {}),
  });
  const selection = selectProjects(result.projects, {
    projects: target.projects,
    ...(target.exclude ? { exclude: target.exclude } : {}),
    includeInactive: target.includeInactive ?? listing.defaults.includeInactive,
  });
  return { result, selection };
}

/** The longest part of a refused id an error repeats: enough to find it, short enough to leave room for why. */
const ID_SHOWN = 40;

/**
 * Listed ids pass the same check as configured ones: a listing is a provider's text, and an id such as `..` would
 * send the account's key to another path. A refused id is never requested; each is named in the error.
 */
function checkListedIds(
  listing: AnyProjectListing,
  projects: readonly ListedProject[],
): {
  valid: ListedProject[];
  refused: Array<{ id: string; message: string }>;
} {
  const valid: ListedProject[] = [];
  const refused: Array<{ id: string; message: string }> = [];
  for (const project of projects) {
    const problem = listing.idProblem?.(project.id);
    if (problem === undefined) {
      valid.push(project);
      continue;
    }
    const shown = project.id.length > ID_SHOWN ? `${project.id.slice(0, ID_SHOWN)}…` : project.id;
    refused.push({
      id: project.id,
      message: `listed project id ${JSON.stringify(shown)} not polled: ${problem}`,
    });
  }
  return { valid, refused };
}

/** The per-project copy of a discovering target: the listing says which keys make it poll that project. */
function projectTarget(target: Target & DiscoveringTarget, project: ListedProject): Target {
  const projectTags: Record<string, string> = { project_name: project.name };
  if (project.region) projectTags.region = project.region;
  const { projects: _projects, exclude: _exclude, ...rest } = target;
  return { ...rest, ...listingOf(target).projectKeys(project), projectTags } as Target;
}
