import type { Target } from '../config/schema.js';
import { DISCOVERY_DEFAULTS } from '../providers/streampixel/stats.js';

/** The discovery keys of a Streampixel target, as the config schema lets them through. */
export interface DiscoveringTarget {
  projects: 'all' | string[];
  exclude?: string[];
  includeInactive?: boolean;
  maxProjects?: number;
  listingCache?: number;
}

/** Whether a target names `projects` to discover instead of one `projectId`. */
export function isDiscovering(target: Target): target is Target & DiscoveringTarget {
  return (target as Partial<DiscoveringTarget>).projects !== undefined;
}

/** How many projects a target polls per sample at most: its `maxProjects` when it discovers them, else one. */
export function projectsOf(target: Target): number {
  return isDiscovering(target) ? (target.maxProjects ?? DISCOVERY_DEFAULTS.maxProjects) : 1;
}
