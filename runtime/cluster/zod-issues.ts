/** A zod validation failure in words: the dotted path of each bad field, and `path: message` for the first few. */
import type { z } from 'zod';

export interface IssueSummary {
  /** Dotted paths of the bad fields (`root` for the value itself). */
  fields: string[];
  /** `field: message; …`, the first `max` issues. */
  detail: string;
}

export function summarizeIssues(error: z.ZodError, root: string, max = 5): IssueSummary {
  const fields = error.issues.map((issue) => (issue.path.length > 0 ? issue.path.join('.') : root));
  const shown = error.issues.slice(0, max).map((issue, i) => `${fields[i]}: ${issue.message}`);
  const more = error.issues.length > max ? `; and ${error.issues.length - max} more` : '';
  return { fields, detail: shown.join('; ') + more };
}
