import { test } from 'node:test';
import assert from 'node:assert/strict';

test("import 'flowlab' resolves to the package's public API", async () => {
  const flowlab = (await import('flowlab')) as Record<string, unknown>;
  for (const name of ['JobRun', 'SuiteRunner', 'loadScenarioFile', 'planSuite', 'LocalCluster', 'startToxiproxyServer', 'resolveConfig', 'scenarioSchema', 'renderMarkdown', 'renderHtml', 'renderJunit', 'writeReports', 'evaluateShapes', 'publishedBaseline', 'runMicroBench', 'runNetworkScenario', 'deployerFor']) {
    assert.equal(typeof flowlab[name], name === 'scenarioSchema' ? 'object' : 'function', name);
  }
});
