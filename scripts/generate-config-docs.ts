import { writeFile } from 'node:fs/promises';
import { configurationReferencePath, renderConfigurationReference } from './config-reference.js';

await writeFile(configurationReferencePath, renderConfigurationReference());
console.log('Wrote docs/configuration.md');
