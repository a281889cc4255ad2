/**
 * The REST contract on both ends: every answer of a real JobManager (fake TaskManagers on real sockets) passes the
 * client's validation, and a response with one field broken — the JobManager's own answer, altered by a relay on
 * 127.0.0.1 — is a RestContractError naming the endpoint and the field.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { describe, it } from 'node:test';
import { createLogger, resolveConfig } from '../../core/index.js';
import { presetJobGraph } from '../job/index.js';
import { FakeTm } from '../test-support/fake-task-manager.js';
import { JobManager } from './job-manager.js';
import { JobManagerClient } from './rest-client.js';
import { RestContractError } from './rest-contract.js';

const quiet = createLogger('rest-contract-test', 'error');

async function startJm(): Promise<JobManager> {
  return JobManager.start({ config: resolveConfig({ 'heartbeat.interval': 1_000, 'heartbeat.timeout': 120_000, 'rest.port': 0 }), restPort: 0, logger: quiet });
}

/** An HTTP relay to the JobManager's REST API that lets `alter` change each JSON answer. */
async function relay(jm: JobManager, alter: (path: string, body: Record<string, unknown>) => void): Promise<Server & AsyncDisposable> {
  const server = createServer((req, res) => {
    void (async () => {
      const upstream = await fetch(`http://${jm.restAddress.host}:${jm.restAddress.port}${req.url ?? '/'}`, { method: req.method ?? 'GET' });
      const body = (await upstream.json()) as Record<string, unknown>;
      alter(req.url ?? '/', body);
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(server, { [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}

function port(server: Server): number {
  return (server.address() as { port: number }).port;
}

describe('REST contract', () => {
  it("every answer of a JobManager with a running job passes the client's validation", async () => {
    await using jm = await startJm();
    const tm = await FakeTm.connect(jm, 'tm-1', { slots: 2 });
    try {
      const client = new JobManagerClient(jm.restAddress);
      const { jobId } = await client.submitJob(presetJobGraph('source-sink', 1));
      tm.reportAll(await tm.next('deploy'), 'RUNNING');
      assert.equal((await client.overview()).taskmanagers, 1);
      assert.deepEqual((await client.taskManagers()).map((t) => [t.id, t.slots]), [['tm-1', 2]]);
      assert.equal((await client.jobs()).jobs[0]?.id, jobId);
      assert.equal((await client.job(jobId)).vertices.length, 2);
      assert.equal((await client.metrics(jobId)).jobId, jobId);
      assert.equal((await client.checkpoints(jobId)).counts.completed, 0);
      assert.deepEqual(await client.setLinkOverrides({ 'data-tm-1-tm-1': { host: '127.0.0.1', port: 1 } }), { links: { 'data-tm-1-tm-1': { host: '127.0.0.1', port: 1 } } });
      assert.deepEqual((await client.links()).links, { 'data-tm-1-tm-1': { host: '127.0.0.1', port: 1 } });
      assert.equal((await client.cancel(jobId)).canceling, true);
      assert.deepEqual(await client.shutdown(), { shuttingDown: true });
      await jm.stopped;
    } finally {
      tm.close();
    }
  });

  it('a malformed answer is a RestContractError naming the endpoint and the field', async () => {
    await using jm = await startJm();
    const tm = await FakeTm.connect(jm, 'tm-1', { slots: 2 });
    try {
      const { jobId } = await new JobManagerClient(jm.restAddress).submitJob(presetJobGraph('source-sink', 1));
      await using server = await relay(jm, (path, body) => {
        if (path === '/overview') body['slotsTotal'] = 'two';
        if (path.startsWith('/jobs/')) ((body['vertices'] as Array<{ subtasks: Array<Record<string, unknown>> }>)[1]!.subtasks[0]!)['state'] = 'DONE';
        if (path === '/taskmanagers') delete (body['taskmanagers'] as Array<Record<string, unknown>>)[0]!['dataAddress'];
      });
      const client = new JobManagerClient({ host: '127.0.0.1', port: port(server) });
      const expectations: Array<[() => Promise<unknown>, string, string, RegExp]> = [
        [() => client.overview(), 'GET /overview', 'slotsTotal', /GET \/overview: .*slotsTotal: .*number/],
        [() => client.job(jobId), 'GET /jobs/:id', 'vertices.1.subtasks.0.state', /GET \/jobs\/:id: .*vertices\.1\.subtasks\.0\.state/],
        [() => client.taskManagers(), 'GET /taskmanagers', 'taskmanagers.0.dataAddress', /GET \/taskmanagers: .*taskmanagers\.0\.dataAddress/],
      ];
      for (const [call, endpoint, field, message] of expectations) {
        const error = await call().then(
          () => assert.fail(`${endpoint} accepted a malformed answer`),
          (e: unknown) => e,
        );
        assert.ok(error instanceof RestContractError, String(error));
        assert.equal(error.code, 'ERR_REST_CONTRACT');
        assert.equal(error.endpoint, endpoint);
        assert.deepEqual(error.fields, [field]);
        assert.match(error.message, message);
      }
    } finally {
      tm.close();
    }
  });
});
