import { z } from 'zod';
import { environmentSchema } from '../src/env.js';
import { readOutsideTheGateway, sections, type VariableDoc } from './env-docs.js';

export const configurationReferencePath = new URL('../docs/configuration.md', import.meta.url);

/** The default the schema gives a variable, as written before any transform; undefined when it has none. */
export function schemaDefault(schema: z.ZodType): unknown {
  if (schema instanceof z.ZodDefault) return schema.def.defaultValue;
  if (schema instanceof z.ZodPipe) return schemaDefault(schema.def.in as z.ZodType);
  return undefined;
}

const code = (names: string[]) => names.map((name) => `\`${name}\``).join(' and ');
const cell = (text: string) => text.replaceAll('|', '\\|');

function defaultCell(name: string, doc: VariableDoc): string {
  const value = schemaDefault(environmentSchema.shape[name as keyof typeof environmentSchema.shape]);
  // readEnvironment drops empty values, so an empty default is the same as unset.
  if (value !== undefined && value !== '') return `\`${String(value)}\``;
  return ('unset' in doc && doc.unset) || 'unset';
}

function meaningCell(name: string, doc: VariableDoc, olderNames: Map<string, string[]>): string {
  if ('olderNameOf' in doc) {
    const newer = doc.olderNameOf;
    const wins = newer.length === 1 ? `${code(newer)} wins` : 'the newer names win';
    return `older name of ${code(newer)}, still read (${wins})${doc.why ? `; renamed because ${doc.why}` : ''}`;
  }
  const older = olderNames.get(name);
  return older ? `${doc.meaning}. Older name: ${code(older)} (still read; this name wins)` : doc.meaning;
}

/** docs/configuration.md as the schema and the descriptions make it. */
export function renderConfigurationReference(): string {
  const olderNames = new Map<string, string[]>();
  for (const { variables } of sections) {
    for (const [name, doc] of Object.entries(variables)) {
      if ('olderNameOf' in doc) for (const newer of doc.olderNameOf) olderNames.set(newer, [...(olderNames.get(newer) ?? []), name]);
    }
  }
  const lines = [
    '<!-- Generated from src/env.ts and scripts/env-docs.ts by `npm run generate:config-docs`: edit those, not this file. -->',
    '',
    '# Configuration',
    '',
    'Every setting is an environment variable, read and validated in one place (`src/env.ts`); a bad',
    'value stops the gateway at start with the variable named. An empty value is the same as unset.',
  ];
  for (const { title, variables } of sections) {
    lines.push('', `## ${title}`, '', '| variable | default | meaning |', '|---|---|---|');
    for (const [name, doc] of Object.entries(variables)) {
      lines.push(`| \`${name}\` | ${cell(defaultCell(name, doc))} | ${cell(meaningCell(name, doc, olderNames))} |`);
    }
  }
  lines.push('', '## Read by the tests and the benchmark', '', 'The gateway never reads these.', '', '| variable | read by | meaning |', '|---|---|---|');
  for (const [name, { readBy, meaning }] of Object.entries(readOutsideTheGateway)) {
    lines.push(`| \`${name}\` | \`${readBy}\` | ${cell(meaning)} |`);
  }
  return `${lines.join('\n')}\n`;
}
