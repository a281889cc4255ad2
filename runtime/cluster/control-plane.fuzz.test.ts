// Fuzz (issue 14): the JobManager's control-line parser and message handlers, over real sockets. Fake
// TaskManagers that run a job send arbitrary lines: garbage, JSON of any shape, and every message type with
// fields of wrong types, ids of other subtasks, huge numbers. A bad line closes only its connection, with a typed
// error; the JobManager keeps serving REST and registrations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import fc from 'fast-check';
import { fuzzParameters, resolveConfig, type Logger } from '../../core/index.js';
import { FakeTm } from '../test-support/fake-task-manager.js';
import { taskReport } from '../test-support/task-report.js';
import { presetJobGraph } from '../job/index.js';
import { JobManager } from './job-manager.js';

interface Logged {
  level: string;
  message: string;
  fields: Record<string, unknown> | undefined;
}

function capturingLogger(into: Logged[]): Logger {
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => void into.push({ level, message, fields });
  const logger: Logger = { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug'), child: () => logger };
  return logger;
}

function getJson(address: { host: string; port: number }, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address.host, port: address.port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown }));
    });
    req.on('error', reject);
    req.end();
  });
}

const VERTICES = ['source', 'aggregate', 'sink', 'nope'];
const field = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue());

/** One control line: garbage text, any JSON, or a known message type with well- or ill-typed fields. */
function controlLine(jobId: string): fc.Arbitrary<string> {
  const message = fc.oneof(
    fc.record({
      type: fc.constant('task-state'),
      jobId: fc.oneof(fc.constant(jobId), fc.string()),
      vertexId: fc.constantFrom(...VERTICES),
      subtaskIndex: fc.oneof(fc.integer({ min: -1, max: 3 }), field),
      state: fc.oneof(fc.constantFrom('DEPLOYING', 'RUNNING', 'FINISHED', 'FAILED', 'CANCELED', 'BOGUS'), field),
      error: fc.option(fc.string()),
    }),
    fc.record({
      type: fc.constant('metrics'),
      jobId: fc.oneof(fc.constant(jobId), fc.string()),
      tasks: fc.oneof(
        fc.array(
          fc.record({ vertex: fc.constantFrom(...VERTICES), index: fc.integer({ min: -1, max: 3 }), records: fc.integer(), dup: fc.oneof(fc.integer(), fc.double()) }).map((t) =>
            taskReport(t.vertex, t.index, 'sink', { numRecordsIn: t.records, sink: { records: t.records, duplicated: t.dup, outOfOrder: 0, latencyHistogram: '' } }),
          ),
          { maxLength: 4 },
        ),
        field,
      ),
    }),
    fc.record({
      type: fc.constantFrom('checkpoint-ack', 'checkpoint-decline'),
      jobId: fc.oneof(fc.constant(jobId), fc.string()),
      checkpointId: fc.oneof(fc.integer({ min: -1, max: 3 }), field),
      vertexId: fc.constantFrom(...VERTICES),
      subtaskIndex: fc.oneof(fc.integer({ min: -1, max: 3 }), field),
      reason: field,
      handle: field,
      metrics: field,
    }),
    fc.record({ type: fc.constantFrom('heartbeat', 'register', 'unknown', ''), tmId: field, slots: field, dataAddress: field }),
    fc.dictionary(fc.string(), field),
    fc.jsonValue(),
  );
  return fc.oneof(
    { weight: 5, arbitrary: message.map((m) => JSON.stringify(m) ?? 'null') },
    { weight: 1, arbitrary: fc.string().map((s) => s.replace(/\n/g, ' ')) },
  );
}

test('fuzz: hostile control lines close only their connection with typed errors; the JobManager keeps serving', async () => {
  const logged: Logged[] = [];
  await using jm = await JobManager.start({
    config: resolveConfig({ 'heartbeat.interval': 1_000, 'heartbeat.timeout': 120_000, 'rest.port': 0 }),
    restPort: 0,
    logger: capturingLogger(logged),
  });
  const a = await FakeTm.connect(jm, 'tm-1');
  const b = await FakeTm.connect(jm, 'tm-2');
  const submitted = await new Promise<string>((resolve, reject) => {
    const body = JSON.stringify(presetJobGraph('keyby-aggregate', 2, { durationMs: 60_000 }));
    const req = request({ host: jm.restAddress.host, port: jm.restAddress.port, method: 'POST', path: '/jobs', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { jobId: string }).jobId));
    });
    req.on('error', reject);
    req.end(body);
  });
  const [da, db] = await Promise.all([a.next('deploy'), b.next('deploy')]);
  a.reportAll(da, 'RUNNING');
  b.reportAll(db, 'RUNNING');

  let runs = 0;
  let fresh = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(controlLine(submitted), { minLength: 1, maxLength: 6 }), fc.boolean(), async (lines, registered) => {
      runs++;
      const tm = await FakeTm.connect(jm, `fuzz-${++fresh}`, { register: registered });
      for (const line of lines) tm.socket.write(`${line}\n`);
      // a line that must close the connection, so everything before it was handled
      tm.socket.write('{"not json\n');
      await tm.waitClosed();
    }),
    fuzzParameters(200),
  );
  // the job's own TaskManagers may also be fuzzed: their lines run through every handler with a live job
  await fc.assert(
    fc.asyncProperty(fc.array(controlLine(submitted), { minLength: 1, maxLength: 4 }), async (lines) => {
      runs++;
      for (const line of lines) a.socket.write(`${line}\n`);
      const overview = await getJson(jm.restAddress, '/overview');
      assert.equal(overview.status, 200);
    }),
    fuzzParameters(100),
  );

  const untyped = logged.filter((l) => l.message === 'closing control connection' && l.fields?.['code'] === 'UNTYPED');
  assert.deepEqual(untyped.map((l) => l.fields?.['error']), [], `after ${runs} runs`);
  for (const path of ['/overview', '/taskmanagers', '/jobs', `/jobs/${submitted}`, `/jobs/${submitted}/metrics`, `/jobs/${submitted}/checkpoints`]) {
    assert.equal((await getJson(jm.restAddress, path)).status, 200, path);
  }
  const late = await FakeTm.connect(jm, 'tm-late');
  assert.equal(late.closed, false, 'a well-behaved TaskManager still registers');
  late.close();
  a.close();
  b.close();
});
