import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../functions/config/json-schema.js';
import { ADAPTERS } from '../../functions/providers/registry.js';

describe('config.schema.json', () => {
  it('is what `npm run schema` generates from the zod schema (run it after changing the schema)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../config.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });

  it('offers editors every endpoint of the registry and forbids unknown keys', () => {
    type Variant = { additionalProperties: boolean; properties: { endpoint: { const: string } } };
    const schema = configJsonSchema() as {
      additionalProperties: boolean;
      properties: { targets: { items: { oneOf?: Variant[]; anyOf?: Variant[] } } };
    };
    const variants = schema.properties.targets.items.oneOf ?? schema.properties.targets.items.anyOf ?? [];
    expect(variants.map((variant) => variant.properties.endpoint.const).sort()).toEqual(
      ADAPTERS.map((adapter) => adapter.endpoint).sort(),
    );
    expect(variants.every((variant) => variant.additionalProperties === false)).toBe(true);
    expect(schema.additionalProperties).toBe(false);
  });
});
