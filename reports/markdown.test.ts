import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertGolden } from './golden.js';
import { renderMarkdown } from './markdown.js';
import { goldenInput } from './test-fixtures.js';

describe('renderMarkdown', () => {
  it('matches the golden file: phases, sweep table, checks, baseline verdicts, tuning, rate sweep, Mermaid charts', () => {
    assertGolden('report.golden.md', renderMarkdown(goldenInput({ baseline: true })));
  });

  it('renders without baseline verdicts and is the same text every time', () => {
    const text = renderMarkdown(goldenInput());
    assert.equal(text, renderMarkdown(goldenInput()));
    assert.doesNotMatch(text, /Against /);
    assert.match(text, /```mermaid\nxychart-beta\n/);
    assert.ok((text.match(/```mermaid/g) ?? []).length <= 2, 'at most two charts');
    assert.doesNotMatch(text, /2026-01-01T/, 'no timestamps');
  });

  it('names each failed check and its reason', () => {
    const text = renderMarkdown(goldenInput());
    assert.match(text, /gate `recovery.timeToRecoverMs < 1s in phase fault-0-after`: recovery.timeToRecoverMs in phase fault-0-after was 1,250, gate < 1,000/);
    assert.match(text, /invariant `lost = 0`: 17 records emitted by the sources never reached a sink/);
  });
});
