import * as z from 'zod';
import { configSchema } from './schema.js';

/** The published JSON Schema of the config file, generated from the schema the code validates with. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'Concurrency collector configuration',
  };
}
