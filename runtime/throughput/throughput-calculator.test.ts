import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/index.js';
import { ThroughputCalculator } from './throughput-calculator.js';

test('throughput counts busy time only: idle time between buffers is excluded', () => {
  const clock = new ManualClock();
  const calc = new ThroughputCalculator(clock);
  calc.incomingDataSize(1000); // starts the clock at 0
  clock.advance(100);
  calc.pauseMeasurement(); // 100 ms busy
  clock.advance(900); // idle: not measured
  calc.incomingDataSize(1000); // resumes at 1000
  clock.advance(100);
  // 2000 bytes over 200 busy ms, although 1100 ms of wall time passed
  assert.equal(calc.calculateThroughput(), 10_000);
});

test('throughput: floor(bytes / ms × 1000); without busy time the previous figure stays; each call starts a new interval', () => {
  const clock = new ManualClock();
  const calc = new ThroughputCalculator(clock);
  assert.equal(calc.calculateThroughput(), 0, 'nothing measured yet');
  calc.incomingDataSize(1001);
  clock.advance(300);
  assert.equal(calc.calculateThroughput(), 3336, 'floor(1001 / 300 × 1000) = floor(3336.67)');
  // still running: the next interval starts at the calculation
  calc.incomingDataSize(500);
  clock.advance(50);
  assert.equal(calc.calculateThroughput(), 10_000);
  calc.pauseMeasurement();
  clock.advance(500);
  assert.equal(calc.calculateThroughput(), 10_000, 'paused the whole interval: measured time 0, previous throughput');
  assert.ok(calc.isPaused);
  calc.resumeMeasurement();
  clock.advance(100);
  assert.equal(calc.calculateThroughput(), 0, 'busy without data: 0 B/s');
});
