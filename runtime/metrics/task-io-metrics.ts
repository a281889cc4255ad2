/**
 * A task's time accounting and I/O counters (spec §6.2): idle (waiting for input), soft backpressure (output
 * unavailable between records), hard backpressure (a record waiting for a buffer), busy = 1000 − idle − backpressure.
 */
import { systemClock, type Clock, type TimerHandle } from '../../core/index.js';
import { METRICS_UPDATE_INTERVAL_MS, TimerGauge } from './timer-gauge.js';

export interface TaskIoMetricsSnapshot {
  idleTimeMsPerSecond: number;
  softBackPressuredTimeMsPerSecond: number;
  hardBackPressuredTimeMsPerSecond: number;
  backPressuredTimeMsPerSecond: number;
  busyTimeMsPerSecond: number;
  accumulateIdleTimeMs: number;
  accumulateBackPressuredTimeMs: number;
  accumulateBusyTimeMs: number;
  isBackPressured: boolean;
  numRecordsIn: number;
  numRecordsOut: number;
}

export class TaskIoMetrics {
  readonly idle: TimerGauge;
  readonly softBackPressure: TimerGauge;
  readonly hardBackPressure: TimerGauge;
  numRecordsIn = 0;
  numRecordsOut = 0;
  private readonly startedMs: number;
  private readonly updater: TimerHandle;

  constructor(private readonly clock: Clock = systemClock) {
    this.idle = new TimerGauge(clock);
    this.softBackPressure = new TimerGauge(clock);
    this.hardBackPressure = new TimerGauge(clock);
    this.startedMs = clock.nowMs();
    this.updater = clock.setInterval(() => this.update(), METRICS_UPDATE_INTERVAL_MS);
  }

  update(): void {
    this.idle.update();
    this.softBackPressure.update();
    this.hardBackPressure.update();
  }

  snapshot(): TaskIoMetricsSnapshot {
    const idle = this.idle.valueMsPerSecond;
    const soft = this.softBackPressure.valueMsPerSecond;
    const hard = this.hardBackPressure.valueMsPerSecond;
    const backPressured = Math.min(1000, soft + hard);
    const accIdle = this.idle.accumulatedTotalMs;
    const accBp = this.softBackPressure.accumulatedTotalMs + this.hardBackPressure.accumulatedTotalMs;
    return {
      idleTimeMsPerSecond: idle,
      softBackPressuredTimeMsPerSecond: soft,
      hardBackPressuredTimeMsPerSecond: hard,
      backPressuredTimeMsPerSecond: backPressured,
      busyTimeMsPerSecond: 1000 - Math.min(1000, idle + backPressured),
      accumulateIdleTimeMs: accIdle,
      accumulateBackPressuredTimeMs: accBp,
      accumulateBusyTimeMs: Math.max(0, this.clock.nowMs() - this.startedMs - accIdle - accBp),
      isBackPressured: this.softBackPressure.isMeasuring || this.hardBackPressure.isMeasuring,
      numRecordsIn: this.numRecordsIn,
      numRecordsOut: this.numRecordsOut,
    };
  }

  close(): void {
    this.updater.cancel();
  }
}
