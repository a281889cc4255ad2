/** The chaos server's micro-benchmark case (`flowlab bench micro`): chunks through the bounded queue between two link stages. */
import { expectMicro, type MicroCase } from '../../core/index.js';
import { ChunkQueue, EOF, type Chunk } from '../chunk-queue.js';

const CHUNKS_PER_RUN = 64;

/** Pushes 64 chunks into a link stage's queue (capacity 16, so the producer sees `full`) and shifts them out, per run. */
export function chunkQueueCase(name = 'chaos-chunk-queue'): MicroCase {
  const queue = new ChunkQueue(16);
  const chunks: Chunk[] = Array.from({ length: CHUNKS_PER_RUN }, (_, i) => ({ data: Buffer.alloc(16, i), readAtMs: i }));
  let inOrder = 0;
  let fullSeen = 0;
  return {
    name,
    operation: 'one chunk handed from one link stage to the next',
    opsPerRun: CHUNKS_PER_RUN,
    run: () => {
      inOrder = 0;
      fullSeen = 0;
      let next = 0;
      for (const c of chunks) {
        if (queue.full) {
          fullSeen++;
          // the consumer drains what is queued before the producer continues
          for (let item = queue.shift(); item !== undefined; item = queue.shift()) if (item !== EOF && item.readAtMs === next++) inOrder++;
        }
        queue.push(c);
      }
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) if (item !== EOF && item.readAtMs === next++) inOrder++;
    },
    check: () => {
      expectMicro(name, inOrder === CHUNKS_PER_RUN, `${inOrder} of ${CHUNKS_PER_RUN} chunks came out in order`);
      expectMicro(name, fullSeen > 0 && queue.length === 0, `full signalled ${fullSeen} times, ${queue.length} chunks left`);
    },
  };
}
