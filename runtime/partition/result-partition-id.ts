/** Identifies a produced partition: the intermediate data set, the producer subtask's partition index and attempt. */
import { randomBytes } from 'node:crypto';

export interface ResultPartitionId {
  /** 16 bytes, hex. */
  readonly dataSetId: string;
  readonly partitionIndex: number;
  /** 16 bytes, hex: the producer execution attempt. */
  readonly attemptId: string;
}

export function newId16(): string {
  return randomBytes(16).toString('hex');
}

export function partitionKey(id: ResultPartitionId): string {
  return `${id.dataSetId}:${id.partitionIndex}:${id.attemptId}`;
}
