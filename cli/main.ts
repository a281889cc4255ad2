#!/usr/bin/env node
/**
 * The `flowlab` command line. The only place that parses argv and prints for humans; progress goes to stderr,
 * `--json` writes only the result to stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CONFIG_KEYS, FlowlabError } from '../core/index.js';
import { renderBenchTable, runNetworkBench } from '../runtime/index.js';

async function benchNetwork(args: { smoke: boolean; duration?: number; warmup?: number; rounds?: number; only?: string; out: string; json: boolean }): Promise<void> {
  const result = await runNetworkBench(
    {
      durationMs: (args.duration ?? (args.smoke ? 0.3 : 5)) * 1000,
      warmupMs: (args.warmup ?? (args.smoke ? 0.2 : 1)) * 1000,
      rounds: args.rounds ?? (args.smoke ? 1 : 3),
      ...(args.only ? { only: args.only.split(',').map((s) => s.trim()) } : {}),
    },
    (line) => process.stderr.write(`${line}\n`),
  );
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  console.log(renderBenchTable(result));
  console.log(`\nEach figure is the median of ${result.options.rounds} alternating runs; written to ${args.out}`);
}

function listConfig(): void {
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    const shown = (spec.format as (v: unknown) => string)(spec.default);
    console.log(`${key}\n    default: ${shown}\n    ${spec.description}\n`);
  }
}

export async function main(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('flowlab')
    .usage('$0 <command> [options]')
    .command(
      'bench network',
      "flowlab's data plane between two processes on loopback vs a raw socket pipe (ratios)",
      (y) =>
        y
          .option('smoke', { type: 'boolean', default: false, describe: 'tiny durations, one round (CI)' })
          .option('duration', { type: 'number', describe: 'measured seconds per run (default 5)' })
          .option('warmup', { type: 'number', describe: 'warm-up seconds per run (default 1)' })
          .option('rounds', { type: 'number', describe: 'alternating baseline/flowlab runs per case (default 3)' })
          .option('only', { type: 'string', describe: 'cases to run, e.g. a,d' })
          .option('out', { type: 'string', default: join('bench-results', 'network.json'), describe: 'result JSON file' })
          .option('json', { type: 'boolean', default: false, describe: 'print only the result JSON to stdout' }),
      (args) => benchNetwork(args),
    )
    .command('config', 'list every Flink config key flowlab understands, with defaults', {}, () => listConfig())
    .demandCommand(1, 'Name a command; see --help.')
    .strict()
    .fail((message, error, y) => {
      if (error instanceof FlowlabError) {
        process.stderr.write(`flowlab: ${error.message}\n`);
        process.exit(2);
      }
      if (error) throw error;
      y.showHelp();
      process.stderr.write(`\nflowlab: ${message}\n`);
      process.exit(2);
    })
    .help()
    .parseAsync();
}

main(hideBin(process.argv)).catch((error: unknown) => {
  process.stderr.write(`flowlab: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
