/** Test helper: one network environment (a TaskManager's data plane) on 127.0.0.1 with 16mb of network memory. */
import { resolveConfig, type ConfigInput } from '../../core/index.js';
import { NetworkEnvironment } from '../shuffle/index.js';

export async function startEnvironment(config: ConfigInput = {}): Promise<NetworkEnvironment> {
  const base = { 'taskmanager.memory.network.min': '16mb', 'taskmanager.memory.network.max': '16mb' };
  return NetworkEnvironment.start({ config: resolveConfig({ ...base, ...config }) });
}

/** Rejects if `promise` does not settle within `timeoutMs` (so a missing close fails instead of hanging). */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lets the event loop run for `ms` (used only to give a misbehaving peer the chance to misbehave). */
export function settle(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
