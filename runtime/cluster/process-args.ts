/** How LocalCluster hands a child process its JSON arguments. */

/** Environment variable that carries a child process's JSON arguments (argv[2] works too, for manual starts). */
export const PROCESS_ARGS_ENV = 'FLOWLAB_PROCESS_ARGS';

/** The JSON arguments of this process: argv[2] if given, else {@link PROCESS_ARGS_ENV} (removed once read). */
export function processArgs(): string | undefined {
  const raw = process.argv[2] ?? process.env[PROCESS_ARGS_ENV];
  delete process.env[PROCESS_ARGS_ENV]; // not inherited by anything this process starts
  return raw;
}
