import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../functions/config/json-schema.js';

// `npm run schema` rewrites config.schema.json; a unit test fails while the committed file is stale.
writeFileSync(
  new URL('../config.schema.json', import.meta.url),
  `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
);
process.stdout.write('wrote config.schema.json\n');
