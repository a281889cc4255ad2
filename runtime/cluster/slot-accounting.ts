/** Which slots of the registered TaskManagers the unfinished jobs hold, and what the scheduler may still use. */
import type { JobExecution } from './job-execution.js';
import type { SchedulableTaskManager } from './scheduler.js';
import type { TaskManagerRegistry } from './task-manager-registry.js';

export class SlotAccounting {
  constructor(
    private readonly registry: TaskManagerRegistry,
    private readonly jobs: ReadonlyMap<string, JobExecution>,
  ) {}

  /** Slot indexes per registered TaskManager held by unfinished jobs (except `exceptJobId`, being rescheduled). */
  occupied(exceptJobId?: string): Map<string, Set<number>> {
    const out = new Map<string, Set<number>>();
    for (const job of this.jobs.values()) {
      if (job.isTerminal || job.jobId === exceptJobId) continue;
      for (const slot of job.slots) {
        if (!this.registry.has(slot.tmId)) continue;
        const set = out.get(slot.tmId) ?? new Set<number>();
        set.add(slot.slotIndex);
        out.set(slot.tmId, set);
      }
    }
    return out;
  }

  /** Slots held by unfinished jobs, over every registered TaskManager. */
  occupiedCount(): number {
    let n = 0;
    for (const set of this.occupied().values()) n += set.size;
    return n;
  }

  /** Registered TaskManagers with the slots held by unfinished jobs (except `exceptJobId`). */
  schedulable(exceptJobId?: string): SchedulableTaskManager[] {
    const occupied = this.occupied(exceptJobId);
    return [...this.registry.values()].map((tm) => ({
      tmId: tm.tmId,
      dataAddress: tm.dataAddress,
      slots: tm.slots,
      occupiedSlots: occupied.get(tm.tmId) ?? new Set(),
    }));
  }
}
