/**
 * The JSON Schemas under `schemas/` are what `jsonSchemas()` generates from the zod schemas (so they cannot go
 * stale), and the scenario schema says what the loader accepts: every top-level field, no others, durations as text
 * with a unit, defaults shown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonSchemas } from './json-schemas.js';

const SCHEMAS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');

interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly default?: unknown;
  readonly pattern?: string;
  readonly description?: string;
}

test('the committed schemas/*.json are exactly what jsonSchemas() generates', () => {
  const generated = jsonSchemas();
  assert.deepEqual(Object.keys(generated).sort(), ['baseline.schema.json', 'gate-verdict.schema.json', 'result.schema.json', 'scenario.schema.json', 'shape.schema.json', 'suite-index.schema.json', 'suite.schema.json']);
  assert.deepEqual(readdirSync(SCHEMAS).sort(), Object.keys(generated).sort(), 'schemas/ holds exactly the generated files: run `npm run schemas`');
  for (const [name, schema] of Object.entries(generated)) {
    const committed = readFileSync(join(SCHEMAS, name), 'utf8');
    assert.ok(committed === `${JSON.stringify(schema, null, 2)}\n`, `schemas/${name} is stale: run \`npm run schemas\` and commit the result`);
  }
});

test('the scenario schema lists every top-level field and allows no other', () => {
  const scenario = jsonSchemas()['scenario.schema.json'] as JsonSchema & { title: string; $schema: string };
  assert.equal(scenario.title, 'flowlab scenario');
  assert.equal(scenario.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(scenario.type, 'object');
  assert.equal(scenario.additionalProperties, false);
  const fields = Object.keys(scenario.properties ?? {});
  for (const f of ['name', 'description', 'cluster', 'config', 'job', 'workload', 'faults', 'placement', 'repetitions', 'seed', 'gates']) assert.ok(fields.includes(f), `properties has ${f}`);
  assert.deepEqual([...(scenario.required ?? [])].sort(), ['description', 'name']);
  for (const object of ['cluster', 'job', 'workload', 'placement']) assert.equal(scenario.properties?.[object]?.additionalProperties, false, `${object} allows no unknown keys`);
});

test('the scenario schema types durations as text with a unit and shows the defaults', () => {
  const scenario = jsonSchemas()['scenario.schema.json'] as JsonSchema;
  const workload = scenario.properties!['workload']!.properties!;
  for (const [field, fallback] of [
    ['warmup', '2s'],
    ['duration', '18s'],
  ] as const) {
    const s = workload[field]!;
    assert.equal(s.type, 'string', `${field}: a bare number is refused by the loader`);
    assert.equal(s.default, fallback);
    assert.ok(s.description, `${field} has a description`);
    const pattern = new RegExp(s.pattern!);
    for (const ok of ['20s', '500ms', '1 min', '1.5s']) assert.match(ok, pattern);
    for (const bad of ['20', '2.5', 's']) assert.doesNotMatch(bad, pattern);
  }
  assert.equal(workload['recordSize']!.default, 100);
  assert.match(workload['rate']!.description!, /Default: "unbounded"/);
  assert.deepEqual(scenario.properties!['cluster']!.default, {});
  assert.equal(scenario.properties!['cluster']!.properties!['taskManagers']!.default, 2);
  assert.equal(scenario.properties!['seed']!.default, 42);
  assert.equal(scenario.properties!['repetitions']!.default, 3);
});
