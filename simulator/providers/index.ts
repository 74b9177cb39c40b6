/**
 * The simulator's providers, one folder each: the only file of the simulator's core side that lists them.
 * The order is the ready-made config's target order and the order routes are tried in.
 */
import type { SimulatedProvider } from '../core.js';
import type { SimulatorCredentials } from './account.js';
import { imkit } from './imkit/index.js';
import { metered } from './metered/index.js';
import { streampixel } from './streampixel/index.js';

export { LISTING_ENDPOINT, type SimulatedProject, type SimulatorCredentials } from './account.js';
export {
  assertUniqueIds,
  DEFAULT_SIMULATOR_PROJECTS,
  newProject,
} from './streampixel/listing.js';

export const SIMULATED_PROVIDERS: {
  readonly [Provider in keyof SimulatorCredentials]: SimulatedProvider<SimulatorCredentials[Provider]>;
} = { streampixel, imkit, metered };

/** The providers' tags, in order. */
export const SIMULATED_TAGS = Object.keys(SIMULATED_PROVIDERS) as Array<keyof SimulatorCredentials>;

/** The simulated provider of an endpoint, `undefined` for one the simulator does not serve. */
export function simulatedProviderOf(provider: string): SimulatedProvider<never> | undefined {
  return (SIMULATED_TAGS as string[]).includes(provider)
    ? (SIMULATED_PROVIDERS[provider as keyof SimulatorCredentials] as SimulatedProvider<never>)
    : undefined;
}
