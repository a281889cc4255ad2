/**
 * Minimal structured logging to stderr. Level from `FLOWLAB_LOG` (error, warn, info, debug); default warn.
 * Child processes inherit it through the environment.
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

function configuredLevel(): LogLevel {
  const raw = process.env['FLOWLAB_LOG']?.toLowerCase();
  return raw === 'error' || raw === 'warn' || raw === 'info' || raw === 'debug' ? raw : 'warn';
}

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

export function createLogger(component: string, level: LogLevel = configuredLevel()): Logger {
  const limit = ORDER[level];
  const write = (lvl: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[lvl] > limit) return;
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    process.stderr.write(`${new Date().toISOString()} ${lvl.toUpperCase()} [${component}] ${message}${extra}\n`);
  };
  return {
    error: (m, f) => write('error', m, f),
    warn: (m, f) => write('warn', m, f),
    info: (m, f) => write('info', m, f),
    debug: (m, f) => write('debug', m, f),
    child: (sub) => createLogger(`${component}/${sub}`, level),
  };
}
