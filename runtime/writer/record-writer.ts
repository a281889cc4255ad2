/**
 * Emits flowlab records into a result partition (Flink's RecordWriter): picks the subpartition with the channel
 * selector and writes the record into the open network buffer in place when it fits, else through the
 * serializer's scratch (records spanning buffers). Returns false when the output is unavailable; resume on
 * {@link RecordWriter.onAvailable}.
 */
import type { ResultPartition } from '../partition/index.js';
import type { ChannelSelector } from '../partition/selectors/index.js';
import { RecordSerializer } from '../record/index.js';

export class RecordWriter {
  readonly serializer: RecordSerializer;
  numRecordsOut = 0;

  constructor(
    readonly partition: ResultPartition,
    readonly selector: ChannelSelector,
    options: { seed?: number } = {},
  ) {
    this.serializer = new RecordSerializer({ seed: options.seed ?? 0 });
    selector.setup(partition.numSubpartitions);
  }

  /** Emits one record (`bodySizeBytes` = header + payload). Returns whether the next record may be emitted now. */
  emit(key: number, sequence: number, sourceSubtask: number, intendedEmitTimeUs: number, bodySizeBytes: number): boolean {
    this.numRecordsOut++;
    const partition = this.partition;
    const length = bodySizeBytes + 4;
    if (this.selector.isBroadcast) {
      this.serializer.serialize(key, sequence, sourceSubtask, intendedEmitTimeUs, bodySizeBytes);
      return partition.broadcastRecord(this.serializer.scratch, length);
    }
    const target = this.selector.selectChannel(key);
    const open = partition.openBufferWithRoom(target, length);
    if (open !== null) {
      this.serializer.serializeInto(open.segment, open.size, key, sequence, sourceSubtask, intendedEmitTimeUs, bodySizeBytes);
      return partition.commitInPlace(target, length);
    }
    this.serializer.serialize(key, sequence, sourceSubtask, intendedEmitTimeUs, bodySizeBytes);
    return partition.emitRecord(this.serializer.scratch, length, target);
  }

  isAvailable(): boolean {
    return this.partition.isAvailable();
  }

  onAvailable(listener: () => void): void {
    this.partition.onAvailable(listener);
  }
}
