#!/usr/bin/env node
// Writes the JSON Schemas generated from the zod schemas to schemas/ (`npm run schemas`, after a build).
// harness/json-schemas.test.ts fails when a committed file differs from what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { jsonSchemas } = await import(pathToFileURL(join(root, 'dist', 'harness', 'json-schemas.js')).href);
const out = join(root, 'schemas');
mkdirSync(out, { recursive: true });
for (const [name, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(join(out, name), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`schemas/${name}`);
}
