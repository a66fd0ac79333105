// L26 — lint security bans. Every rule here is a build failure, and test/lint-bans.test.ts proves each one fires.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import security from 'eslint-plugin-security';

const processEnvBans = [
  {
    selector: "MemberExpression[object.name='process'][property.name='env']",
    message: 'L26: process.env is read only in src/config/env.ts (use envVar/envSnapshot).',
  },
  {
    selector: "MemberExpression[object.name='process'][property.value='env']",
    message: 'L26: process.env is read only in src/config/env.ts (use envVar/envSnapshot).',
  },
  {
    selector: "VariableDeclarator[init.name='process'] > ObjectPattern > Property[key.name='env']",
    message: 'L26: process.env is read only in src/config/env.ts.',
  },
];
const swallowBans = [
  {
    selector: 'CatchClause > BlockStatement[body.length=0]',
    message: 'L26: empty catch block swallows an error; handle it or return a Result.',
  },
  {
    selector:
      "CallExpression[callee.property.name='catch'] > :function[body.type='BlockStatement'][body.body.length=0]",
    message: 'L26: .catch(() => {}) swallows an error.',
  },
  {
    selector:
      "CallExpression[callee.property.name='catch'] > ArrowFunctionExpression[body.type='Identifier'][body.name='undefined']",
    message: 'L26: .catch(() => undefined) swallows an error.',
  },
];
const childProcessBans = [
  {
    selector: 'ImportExpression[source.value=/^(node:)?child_process$/]',
    message: 'L26: child_process is only used in src/exec/.',
  },
];
const pathBans = [
  {
    selector: "CallExpression[callee.object.name='path'][callee.property.name=/^(join|resolve|normalize)$/]",
    message: 'L26: build paths with src/core/safe-path.ts (safePath/childPath/absoluteFrom), not path.join/resolve.',
  },
  // An alias (import * as p from 'node:path') would slip past the rule above, so the module must be imported as `path`.
  {
    selector:
      "ImportDeclaration[source.value=/^(node:)?path$/] > :matches(ImportDefaultSpecifier, ImportNamespaceSpecifier)[local.name!='path']",
    message: 'L26: import node:path as `path` so the safe-path ban can see its calls.',
  },
];
const restrictedImportPaths = (allowChildProcess, allowPathFns) => [
  ...(allowChildProcess
    ? []
    : [
        { name: 'child_process', message: 'L26: child_process is only used in src/exec/.' },
        { name: 'node:child_process', message: 'L26: child_process is only used in src/exec/.' },
      ]),
  { name: 'node:module', importNames: ['createRequire'], message: 'L26: createRequire bypasses the import bans.' },
  { name: 'module', importNames: ['createRequire'], message: 'L26: createRequire bypasses the import bans.' },
  { name: 'node:process', importNames: ['env'], message: 'L26: process.env is read only in src/config/env.ts.' },
  { name: 'process', importNames: ['env'], message: 'L26: process.env is read only in src/config/env.ts.' },
  ...(allowPathFns
    ? []
    : [
        {
          name: 'node:path',
          importNames: ['join', 'resolve', 'normalize'],
          message: 'L26: use src/core/safe-path.ts.',
        },
        { name: 'path', importNames: ['join', 'resolve', 'normalize'], message: 'L26: use src/core/safe-path.ts.' },
      ]),
];

// Another room is reached through its index.ts (its public surface), never through its internals. The exact check,
// room by room, is test/architecture; this pattern catches it while editing. No subfolder shares a room's name.
const ROOMS =
  'core|config|text|guards|secrets|logging|net|exec|policy|memory|broker|agent|supply|transport|drill|gateway|cli';
const deepImportBans = [
  {
    regex: `^(\\.\\./)+(${ROOMS})/(?!index\\.js$).+`,
    message: "Import another room through its index.ts (e.g. '../core/index.js'), not its internals (DESIGN §4).",
  },
];

function srcRules({ env = false, childProcess = false, pathFns = false } = {}) {
  return {
    'no-restricted-syntax': [
      'error',
      ...(env ? [] : processEnvBans),
      ...swallowBans,
      ...(childProcess ? [] : childProcessBans),
      ...(pathFns ? [] : pathBans),
    ],
    'no-restricted-imports': [
      'error',
      { paths: restrictedImportPaths(childProcess, pathFns), patterns: deepImportBans },
    ],
  };
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'eval/results/**',
      'bench/results/**',
      'test/fixtures/lint/**',
      // Inert skill samples (some malicious) the L24 scorecard reads as data.
      'eval/skills/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  security.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        fetch: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        Headers: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
      },
    },
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-empty': ['error', { allowEmptyCatch: false }],
      'security/detect-eval-with-expression': 'error',
      'security/detect-child-process': 'error',
      'security/detect-non-literal-require': 'error',
      'security/detect-new-buffer': 'error',
      'security/detect-buffer-noassert': 'error',
      'security/detect-pseudoRandomBytes': 'error',
      'security/detect-unsafe-regex': 'error',
      // Too noisy to be useful in TypeScript: every indexed access and every fs call would need a suppression.
      'security/detect-object-injection': 'off',
      'security/detect-non-literal-fs-filename': 'off',
      'security/detect-non-literal-regexp': 'off',
      'security/detect-possible-timing-attacks': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  { files: ['src/**/*.ts'], rules: srcRules() },
  { files: ['src/config/env.ts'], rules: srcRules({ env: true }) },
  { files: ['src/exec/**/*.ts'], rules: srcRules({ childProcess: true }) },
  { files: ['src/core/safe-path.ts'], rules: srcRules({ pathFns: true }) },
  // Tests, bench and eval may spawn processes and build paths, but never swallow errors or eval.
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'eval/**/*.ts', '*.config.ts', '*.config.js', 'bin/**/*.js'],
    rules: { 'no-restricted-syntax': ['error', ...swallowBans], 'security/detect-child-process': 'off' },
  },
);
