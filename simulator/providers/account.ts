/**
 * The simulated accounts' shapes, one per provider folder: the credentials each checks, the projects of the
 * account that lists them, and the endpoint id its listings are recorded under. Types and constants only, so
 * that the core can hold them without importing any provider's routes.
 */
export type { SimulatedProject } from './streampixel/listing.js';

/** The credentials the simulator checks, one set per provider, keyed by provider tag. */
export interface SimulatorCredentials {
  streampixel: { userId: string; apikey: string };
  imkit: { apiKey: string };
  metered: { secretKey: string };
}

/** The endpoint id both project listings are recorded under in `served`. */
export const LISTING_ENDPOINT = 'streampixel.projects';
export type ListingEndpoint = typeof LISTING_ENDPOINT;
