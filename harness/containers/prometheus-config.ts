/**
 * The shipped Prometheus scrape configuration (docker/prometheus/prometheus.yml) with its targets rewritten for
 * a cluster whose addresses are known: the JobManager job gets the run's JobManager endpoint, the TaskManager job
 * (service discovery by DNS in compose) a static list of the run's TaskManager endpoints.
 */
import { parse, stringify } from 'yaml';
import { FlowlabError } from '../../core/index.js';

export const JOBMANAGER_SCRAPE_JOB = 'flowlab-jobmanager';
export const TASKMANAGER_SCRAPE_JOB = 'flowlab-taskmanager';

export interface ScrapeTargets {
  /** `host:port` of the JobManager's metrics endpoint. */
  jobManager: string;
  /** `host:port` of each TaskManager's metrics endpoint. */
  taskManagers: readonly string[];
  /** Scrape (and rule evaluation) interval, ms; default: the file's. */
  scrapeIntervalMs?: number;
}

type ScrapeJob = Record<string, unknown> & { job_name?: unknown };

/** A scrape configuration that lacks what the rewrite needs; the message names the field. */
export class ScrapeConfigError extends FlowlabError {
  constructor(message: string) {
    super('ERR_SCRAPE_CONFIG', `Prometheus scrape configuration: ${message}`);
  }
}

const HOST_PORT = /^[^\s:/]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

/** The YAML text of `shipped` with the two flowlab jobs scraping `targets` (other jobs are kept as they are). */
export function rewriteScrapeConfig(shipped: string, targets: ScrapeTargets): string {
  const doc: unknown = parse(shipped);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ScrapeConfigError('the file is not a YAML mapping');
  const config = doc as Record<string, unknown>;
  const jobs = config['scrape_configs'];
  if (!Array.isArray(jobs)) throw new ScrapeConfigError('scrape_configs: a list of scrape jobs is required');
  for (const target of [targets.jobManager, ...targets.taskManagers]) {
    if (!HOST_PORT.test(target)) throw new ScrapeConfigError(`target ${JSON.stringify(target)} is not host:port`);
  }
  const byName = new Map<string, ScrapeJob>();
  jobs.forEach((job: unknown, i) => {
    if (typeof job !== 'object' || job === null || typeof (job as ScrapeJob).job_name !== 'string') throw new ScrapeConfigError(`scrape_configs.${i}.job_name: required`);
    byName.set((job as ScrapeJob).job_name as string, job as ScrapeJob);
  });
  const rewrite = (name: string, list: readonly string[]): void => {
    const job = byName.get(name);
    if (!job) throw new ScrapeConfigError(`scrape_configs: the job ${JSON.stringify(name)} is missing`);
    for (const key of Object.keys(job)) if (key.endsWith('_sd_configs')) delete job[key];
    job['static_configs'] = [{ targets: [...list] }];
  };
  rewrite(JOBMANAGER_SCRAPE_JOB, [targets.jobManager]);
  rewrite(TASKMANAGER_SCRAPE_JOB, targets.taskManagers);
  if (targets.scrapeIntervalMs !== undefined) {
    if (!Number.isInteger(targets.scrapeIntervalMs) || targets.scrapeIntervalMs < 1) throw new ScrapeConfigError(`scrapeIntervalMs ${targets.scrapeIntervalMs} must be a whole number of ms ≥ 1`);
    const global = (typeof config['global'] === 'object' && config['global'] !== null ? config['global'] : {}) as Record<string, unknown>;
    global['scrape_interval'] = `${targets.scrapeIntervalMs}ms`;
    global['evaluation_interval'] = `${targets.scrapeIntervalMs}ms`;
    config['global'] = global;
  }
  return stringify(config);
}
