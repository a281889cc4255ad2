/**
 * The container files flowlab ships at the top of the package (Dockerfile, docker-compose.yml, docker/…): where
 * they are, from the compiled code in dist/ or from an installed package alike.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: dist/harness/containers/ → ../../../ */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const SHIPPED_FILES = {
  dockerfile: join(PACKAGE_ROOT, 'Dockerfile'),
  composeFile: join(PACKAGE_ROOT, 'docker-compose.yml'),
  scrapeConfig: join(PACKAGE_ROOT, 'docker', 'prometheus', 'prometheus.yml'),
  dashboard: join(PACKAGE_ROOT, 'docker', 'grafana', 'dashboards', 'flowlab.json'),
  grafanaDatasources: join(PACKAGE_ROOT, 'docker', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'),
  grafanaDashboardProviders: join(PACKAGE_ROOT, 'docker', 'grafana', 'provisioning', 'dashboards', 'flowlab.yml'),
} as const;
