/**
 * The JSON Schemas shipped under `schemas/` (for editors: `# yaml-language-server: $schema=…`, and for tools that
 * read results), generated from the zod schemas that validate the files. `npm run schemas` writes them; a test checks
 * that the committed files match.
 */
import { z } from 'zod';
import { resultDocumentSchema } from './result-schema.js';
import { scenarioSchema } from './scenario-schema.js';
import { shapeSchema } from './shape-schema.js';
import { suiteIndexSchema, suiteSchema } from './suite-schema.js';
import { baselineSchema } from './gate/baseline-schema.js';
import { verdictDocumentSchema } from './gate/verdict-schema.js';

/** File name under `schemas/` → JSON Schema (draft 2020-12). Input files describe what may be written, outputs what is written. */
export function jsonSchemas(): Record<string, unknown> {
  const titled = (title: string, schema: z.core.JSONSchema.BaseSchema): Record<string, unknown> => ({ title, ...schema });
  return {
    'scenario.schema.json': titled('flowlab scenario', z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' })),
    'suite.schema.json': titled('flowlab suite', z.toJSONSchema(suiteSchema, { io: 'input', unrepresentable: 'any' })),
    'shape.schema.json': titled('flowlab published shape', z.toJSONSchema(shapeSchema, { io: 'input', unrepresentable: 'any' })),
    'result.schema.json': titled('flowlab result document', z.toJSONSchema(resultDocumentSchema, { io: 'output', unrepresentable: 'any' })),
    'suite-index.schema.json': titled('flowlab suite index (suite.json)', z.toJSONSchema(suiteIndexSchema, { io: 'output', unrepresentable: 'any' })),
    'baseline.schema.json': titled('flowlab baseline', z.toJSONSchema(baselineSchema, { io: 'output', unrepresentable: 'any' })),
    'gate-verdict.schema.json': titled('flowlab gate verdict', z.toJSONSchema(verdictDocumentSchema, { io: 'output', unrepresentable: 'any' })),
  };
}
