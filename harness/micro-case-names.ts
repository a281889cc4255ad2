/** Names of `flowlab bench micro`'s cases (stable keys of baselines), kept apart so schemas can list them cheaply. */
/** The case names of `microCases()`, without building the cases (a test keeps the two in step). */
export const MICRO_CASE_NAMES = [
  'serializer-100b',
  'serializer-1kib',
  'deserializer-100b',
  'deserializer-1kib',
  'deserializer-spanning-3-buffers',
  'frame-encode',
  'frame-decode',
  'buffer-pool-global',
  'buffer-pool-local',
  'credit-bookkeeping',
  'key-group-selection',
  'hdr-record',
  'chaos-chunk-queue',
] as const;
