/**
 * The Grafana dashboard shipped in docker/grafana/dashboards/flowlab.json, read as data: its panels' PromQL
 * expressions, and those expressions with the dashboard's variables filled in for one run, so a test can ask a
 * real Prometheus for each of them.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { FlowlabError } from '../../core/index.js';
import { SHIPPED_FILES } from './shipped-files.js';

const targetSchema = z.object({ refId: z.string().min(1), expr: z.string().min(1), legendFormat: z.string().optional() }).loose();
const panelSchema = z
  .object({
    id: z.int(),
    type: z.string().min(1),
    title: z.string().min(1),
    gridPos: z.object({ x: z.int().min(0), y: z.int().min(0), w: z.int().min(1).max(24), h: z.int().min(1) }),
    datasource: z.object({ type: z.literal('prometheus'), uid: z.string().min(1) }).optional(),
    targets: z.array(targetSchema).optional(),
  })
  .loose();
const variableSchema = z.object({ name: z.string().min(1), type: z.string(), query: z.unknown().optional() }).loose();
export const dashboardSchema = z
  .object({
    uid: z.string().min(1),
    title: z.string().min(1),
    schemaVersion: z.int(),
    panels: z.array(panelSchema).min(1),
    templating: z.object({ list: z.array(variableSchema) }),
  })
  .loose();
export type Dashboard = z.infer<typeof dashboardSchema>;

/** One query of one panel. */
export interface DashboardQuery {
  panel: string;
  refId: string;
  expr: string;
}

/** A dashboard file that is not JSON or not a dashboard; the message names the field. */
export class InvalidDashboardError extends FlowlabError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super('ERR_INVALID_DASHBOARD', `${file}: ${message}`);
  }
}

/** Parses and checks a dashboard (panel ids unique, every query-bearing panel names a Prometheus data source). */
export function parseDashboard(text: string, file = 'dashboard'): Dashboard {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InvalidDashboardError(file, `not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = dashboardSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidDashboardError(file, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  }
  const ids = new Set<number>();
  parsed.data.panels.forEach((panel, i) => {
    if (ids.has(panel.id)) throw new InvalidDashboardError(file, `panels.${i}.id: ${panel.id} is used twice`);
    ids.add(panel.id);
    if (panel.targets && panel.targets.length > 0 && !panel.datasource) throw new InvalidDashboardError(file, `panels.${i}.datasource: a panel with queries needs a Prometheus data source`);
  });
  return parsed.data;
}

export async function loadDashboard(file: string = SHIPPED_FILES.dashboard): Promise<Dashboard> {
  return parseDashboard(await readFile(file, 'utf8'), file);
}

/** Every panel query, in panel order. */
export function dashboardQueries(dashboard: Dashboard): DashboardQuery[] {
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => ({ panel: panel.title, refId: t.refId, expr: t.expr })));
}

/** Values for the dashboard's variables and Grafana's built-ins that its queries use. */
export interface DashboardVariables {
  /** `$job_id` (a regular expression, matched with `=~`). */
  jobId: string;
  /** `$__rate_interval`, e.g. `5s`. */
  rateInterval: string;
}

/** `expr` with `$job_id` and `$__rate_interval` replaced; any other `$variable` left is an error naming it. */
export function expandQuery(expr: string, vars: DashboardVariables): string {
  const out = expr.replaceAll('$__rate_interval', vars.rateInterval).replaceAll('$job_id', vars.jobId);
  const leftover = /\$\{?[A-Za-z_]\w*/.exec(out);
  if (leftover) throw new FlowlabError('ERR_DASHBOARD_VARIABLE', `query ${JSON.stringify(expr)} uses ${leftover[0]}, which expandQuery does not know`);
  return out;
}
