import type { Config, Target } from '../config/schema.js';
import type { ProjectDiscovery } from '../discovery/discover.js';
import { discoverTarget } from '../discovery/expand.js';
import { accountLimiter } from '../http/account-limit.js';
import { isDiscovering } from '../providers/discovering.js';
import { shortMessage } from '../providers/failures.js';
import { aligned } from '../report/render/table.js';
import type { RunSecrets } from '../secrets/run-secrets.js';
import { SecretError } from '../secrets/source.js';

/**
 * `--list-projects`: lists each discovering target's account afresh and prints what it would poll. Returns the
 * exit code: 1 when a listing failed, 2 when no target discovers projects.
 */
export async function listProjects(
  config: Config,
  targets: readonly Target[],
  secrets: RunSecrets,
  discovery: ProjectDiscovery,
  out: NodeJS.WritableStream,
): Promise<number> {
  const discovering = targets.filter(isDiscovering);
  if (discovering.length === 0) {
    out.write(
      'no target discovers projects: give a target of an endpoint that can discover them "projects": "all" or a list of globs\n',
    );
    return 2;
  }
  const limit = accountLimiter(config.maxInFlightPerAccount);
  let failed = false;
  for (const target of discovering) {
    try {
      const { result, selection } = await discoverTarget(
        target,
        { discovery, secrets, limit },
        { fresh: true },
      );
      if (result.failure) {
        failed = true;
        out.write(
          `${target.name}: project listing failed: ${shortMessage(secrets.scrub(result.failure.message))}\n`,
        );
        if (result.source === 'none') continue;
        out.write(
          `${target.name}: showing the last good listing, of ${new Date(result.listedAt ?? 0).toISOString()}\n`,
        );
      }
      const polled = new Set(selection.polled);
      const inactive = new Set(selection.inactive);
      out.write(
        `\n${target.name} (${target.endpoint}): ${result.projects.length} projects listed, ${polled.size} polled\n\n`,
      );
      const rows = result.projects.map((project) => [
        project.id,
        project.name,
        project.region ?? '-',
        project.active ? 'active' : 'inactive',
        polled.has(project)
          ? 'yes'
          : inactive.has(project)
            ? 'no (inactive)'
            : selection.excluded.includes(project)
              ? 'no (excluded)'
              : 'no (not matched)',
      ]);
      const header = ['id', 'name', 'region', 'status', 'polled'];
      out.write(`${aligned({ header, numeric: header.map(() => false), rows }, '  ')}\n`);
    } catch (error) {
      if (!(error instanceof SecretError)) throw error;
      failed = true;
      out.write(`${target.name}: ${error.message}\n`);
    }
  }
  return failed ? 1 : 0;
}
