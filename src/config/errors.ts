import { UserError } from '../domain/errors';

/** Where a config value (or problem) came from. */
export type ConfigOrigin =
  | { readonly kind: 'default' }
  | { readonly kind: 'file'; readonly file: string; readonly line: number; readonly col?: number }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'flag'; readonly name: string };

/** One thing wrong with the configuration. */
export interface ConfigProblem {
  readonly origin: ConfigOrigin;
  /** Key path in the file's terms, e.g. `detection.episode.min_points` or `prometheus.queries[1].name`. */
  readonly key: string;
  /** What is wrong and how to fix it, e.g. `must be a number > 0, got "high"`. */
  readonly message: string;
}

/** `config.yaml:12`, `environment variable LOG_LEVEL`, `flag --interval`, or `` for defaults. */
export function describeOrigin(origin: ConfigOrigin): string {
  switch (origin.kind) {
    case 'file':
      return origin.col === undefined
        ? `${origin.file}:${origin.line}`
        : `${origin.file}:${origin.line}:${origin.col}`;
    case 'env':
      return `environment variable ${origin.name}`;
    case 'flag':
      return `flag ${origin.name}`;
    case 'default':
      return 'default';
  }
}

/** One line per problem: `config.yaml:12: detection.threshold_multiplier: must be a number > 0, got "high"`. */
export function formatProblem(p: ConfigProblem): string {
  const where = describeOrigin(p.origin);
  return p.key === '' ? `${where}: ${p.message}` : `${where}: ${p.key}: ${p.message}`;
}

/**
 * The configuration is invalid. Carries every problem found (not just the first), so the user can fix them
 * all in one go; the message lists them one per line.
 */
export class ConfigError extends UserError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    const n = problems.length;
    // One problem is one line; several are listed one per line under a count.
    super(
      n === 1
        ? formatProblem(problems[0])
        : `invalid configuration (${n} problems):\n${problems.map(formatProblem).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
