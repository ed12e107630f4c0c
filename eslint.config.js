// Lint rules. The one that matters most: src/raft and src/mvcc are pure, deterministic cores
// (DESIGN.md). They never touch the outside world, so the simulator can replay them by seed.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const pureCore =
  'src/raft and src/mvcc are pure: no I/O, clock, timers or global randomness (DESIGN.md)';
const noTestImports = { group: ['**/test/**'], message: 'src/ never imports test/' };
const nodeModules = ['fs', 'net', 'http', 'http2', 'os', 'child_process', 'worker_threads'];
const nodeBuiltins = [
  'node:*',
  ...nodeModules,
  ...nodeModules.map((m) => `${m}/*`),
  'crypto',
  'timers',
];
const impureGlobals = [
  'Date',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'queueMicrotask',
  'process',
  'performance',
  'fetch',
];

// Flat config: a later block's rule replaces an earlier one's, so each block lists its whole set.
export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noTestImports] }] },
  },
  {
    files: ['src/raft/**/*.ts', 'src/mvcc/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noTestImports,
            { group: nodeBuiltins, message: pureCore },
            {
              group: ['**/node/*', '**/server/*', '**/storage/*', '**/transport/*', '**/env/*'],
              message: 'imports flow downward only (DESIGN.md layers)',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...impureGlobals.map((name) => ({ name, message: pureCore })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: pureCore },
        { object: 'globalThis', message: pureCore },
      ],
    },
  },
  {
    files: ['src/client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noTestImports,
            { group: ['**/server/*', '**/node/*'], message: 'the client knows only the wire' },
          ],
        },
      ],
    },
  },
);
