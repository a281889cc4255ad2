/** Renders a Vega-Lite spec to an SVG string in Node (vega-lite compiles it, vega's headless view draws it). */
import { parse, View, type LoggerInterface } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { FlowlabError } from '../core/index.js';
import type { ChartSpec } from './charts.js';

const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 11, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 11 },
};

/** A chart that vega-lite or vega rejected; names the chart. */
export class ChartRenderError extends FlowlabError {
  constructor(
    readonly chart: string,
    options: { cause: unknown },
  ) {
    super('ERR_CHART_RENDER', `chart "${chart}" could not be drawn: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
  }
}

/** A vega logger that keeps errors (vega otherwise prints them and goes on). */
function collectingLogger(errors: string[]): LoggerInterface {
  let level = 1;
  const logger: LoggerInterface = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error(...args: readonly unknown[]) {
      errors.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
      return logger;
    },
    warn: () => logger,
    info: () => logger,
    debug: () => logger,
  };
  return logger;
}

export async function renderSvg(name: string, spec: ChartSpec): Promise<string> {
  let view: View | undefined;
  const errors: string[] = [];
  try {
    const topLevel = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, background: 'white', ...spec } as unknown as TopLevelSpec;
    view = new View(parse(compile(topLevel).spec), { renderer: 'none', logger: collectingLogger(errors) });
    const svg = await view.toSVG();
    // vega logs a failed expression and draws on; a chart with a broken part is an error here
    if (errors.length > 0) throw new Error(errors.join('; '));
    return svg.replace(/^<svg /, `<svg role="img" aria-label="${name.replace(/"/g, '&quot;')}" `);
  } catch (error) {
    throw new ChartRenderError(name, { cause: error });
  } finally {
    view?.finalize();
  }
}
