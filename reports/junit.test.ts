import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validateXML } from 'xmllint-wasm';
import { TESTDATA, assertGolden } from './golden.js';
import { renderJunit, xmlEscape } from './junit.js';
import { goldenInput } from './test-fixtures.js';

async function assertValid(xml: string): Promise<void> {
  const result = await validateXML({ xml: { fileName: 'junit.xml', contents: xml }, schema: { fileName: 'junit.xsd', contents: readFileSync(join(TESTDATA, 'junit.xsd'), 'utf8') } });
  assert.equal(result.valid, true, result.errors.map((e) => e.rawMessage).join('\n'));
}

describe('renderJunit', () => {
  it('matches the golden file: a testsuite per scenario, a testcase per invariant, gate and baseline verdict', () => {
    assertGolden('junit.golden.xml', renderJunit(goldenInput({ baseline: true })));
  });

  it('is valid against the JUnit XML schema, with and without baseline verdicts', async () => {
    await assertValid(renderJunit(goldenInput({ baseline: true })));
    await assertValid(renderJunit(goldenInput()));
  });

  it('the schema rejects what CI readers would not take (the validator is not vacuous)', async () => {
    const broken = renderJunit(goldenInput()).replace(/(<testsuite name="[^"]*" tests="\d+") failures="\d+"/, '$1');
    assert.notEqual(broken, renderJunit(goldenInput()));
    const result = await validateXML({ xml: { fileName: 'junit.xml', contents: broken }, schema: { fileName: 'junit.xsd', contents: readFileSync(join(TESTDATA, 'junit.xsd'), 'utf8') } });
    assert.equal(result.valid, false);
  });

  it('counts failures (failed gates and invariants, regressions), errors (invalid gates) and skipped runs', () => {
    const xml = renderJunit(goldenInput({ baseline: true }));
    assert.match(xml, /<testsuite name="partition" tests="6" failures="2" errors="1" skipped="0"/);
    assert.match(xml, /<testsuite name="buffers" tests="13" failures="1" errors="0" skipped="1"/);
    assert.match(xml, /<failure type="baseline-regression" message="regression: Δ \+60.0 % \[41.2 %, 80.5 %\] — p99 after the heal/);
  });

  it('escapes markup and drops characters XML cannot carry', () => {
    assert.equal(xmlEscape('a<b & "c"\u0001'), 'a&lt;b &amp; &quot;c&quot;');
  });
});
