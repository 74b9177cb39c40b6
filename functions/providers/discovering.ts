import { adapterFor } from './registry.js';
import type { AnyProjectListing, BaseTarget } from './types.js';

/** The discovery keys of a target, as the config schema lets them through for an endpoint that can discover. */
export interface DiscoveringTarget {
  projects: 'all' | string[];
  exclude?: string[];
  includeInactive?: boolean;
  maxProjects?: number;
  listingCache?: number;
}

/** Whether a target names `projects` to discover instead of one project. */
export function isDiscovering<T extends BaseTarget>(target: T): target is T & DiscoveringTarget {
  return (target as Partial<DiscoveringTarget>).projects !== undefined;
}

/** The listing of a discovering target's endpoint; the config schema lets `projects` through only where one exists. */
export function listingOf(target: BaseTarget & DiscoveringTarget): AnyProjectListing {
  const listing = adapterFor(target.endpoint).capabilities.discovery;
  if (!listing)
    throw new Error(`${target.endpoint} cannot discover projects, yet target "${target.name}" asks to`);
  return listing;
}

/** How many projects a target polls per sample at most: its `maxProjects` when it discovers them, else one. */
export function projectsOf(target: BaseTarget): number {
  return isDiscovering(target) ? (target.maxProjects ?? listingOf(target).defaults.maxProjects) : 1;
}
