// Lint: type-aware typescript-eslint plus the layer rule of DESIGN.md §1 (an arrow only points down,
// and other folders enter a folder only through its index.ts front door).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layers = ['core', 'runtime', 'chaos', 'reports', 'harness', 'cli'];
/** What each layer may import (besides itself). */
const allowed = {
  core: [],
  runtime: ['core'],
  chaos: ['core'],
  reports: ['core'],
  harness: ['core', 'runtime', 'chaos', 'reports'],
  cli: ['core', 'runtime', 'chaos', 'reports', 'harness'],
};

function layerRule(layer) {
  const patterns = [];
  for (const other of layers) {
    if (other === layer) continue;
    if (!allowed[layer].includes(other)) {
      patterns.push({
        group: [`**/${other}`, `**/${other}/**`],
        message: `${layer}/ must not import ${other}/ (DESIGN.md §1: arrows point down only).`,
      });
    } else {
      patterns.push({
        group: [`**/${other}/*/**`, `**/${other}/*.js`, `!**/${other}/index.js`],
        message: `Import ${other}/ only through its front door ${other}/index.js.`,
      });
    }
  }
  return {
    files: [`${layer}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/require-await': 'off',
    },
  },
  ...layers.map(layerRule),
  {
    files: ['cli/**/*.ts', 'reports/**/*.ts', '**/bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
);
