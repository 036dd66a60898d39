// ESLint flat config: typescript-eslint's recommended rules, plus the one-way flow of STYLE.md
// (resolvers never import typeorm; entities never import graphql).
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** The domains (docs/architecture.md): they sit between the API (resolvers, src/graphql) and the database layer. */
const DOMAINS = [
  'offers',
  'ingestion',
  'candidates',
  'audience',
  'partners',
  'syndication',
  'reports',
  'auth',
  'referentials',
  'shared-state',
].map((d) => `./src/${d}`);
/** What assembles the domains into a hub: nothing below may import it. */
const APPLICATION = [
  './resolvers',
  './src/graphql',
  './src/http',
  './src/cli',
  './src/seed',
  './src/context.ts',
  './src/services.ts',
  './src/loaders.ts',
  './src/server.ts',
  './src/schema.ts',
  './src/main.ts',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'scratch/**', 'src/__generated__/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The one-way flow, enforced: resolvers -> application (context, services, loaders) -> domains
    // -> db -> entities, with lib/ (domain-free helpers) at the bottom. No import cycle at all.
    files: ['src/**/*.ts', 'resolvers/**/*.ts', 'entities/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './entities',
              from: ['./src', './resolvers'],
              message: 'Entities are the bottom layer: they import nothing of the hub.',
            },
            { target: './src/lib', from: './src', except: ['./lib', './errors.ts'], message: 'src/lib holds domain-free helpers.' },
            {
              target: './src/db',
              from: './src',
              except: ['./db', './lib', './errors.ts', './config.ts'],
              message: 'The database layer knows no domain: domains call it, not the other way round.',
            },
            {
              target: DOMAINS,
              from: APPLICATION,
              message: 'Domains never import the API layer above them (resolvers, GraphQL plumbing, the service container).',
            },
            { target: ['./src/!(schema).ts', './src/*/**'], from: './resolvers', message: 'Only src/schema.ts assembles the resolvers.' },
          ],
        },
      ],
    },
  },
  {
    // One way to talk to the database (issue 15): hand-written SQL is composed from sql`` fragments
    // (src/db/sql.ts) and sent by src/db: createSqlExecutor().all, withTransaction's tx.rows/tx.run,
    // writeStatement, queryPrimary. TypeORM repositories stay for simple CRUD.
    files: [...DOMAINS.map((d) => `${d.slice(2)}/**/*.ts`), 'src/seed/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.type='MemberExpression'][callee.property.name='query']",
          message:
            'No .query(sql, params) outside src/db: compose sql`` fragments and send them with the executor, tx.rows/tx.run, writeStatement or queryPrimary.',
        },
        {
          selector: 'Literal[value=/^\\?$|\\?, \\?/], TemplateElement[value.raw=/\\?, \\?/]',
          message: 'No hand-built placeholders: sql`` binds values, inList(...) writes an IN list, valueRows(...) the rows of a VALUES.',
        },
      ],
    },
  },
  {
    files: ['resolvers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'typeorm', message: 'Resolvers delegate to services; only services and loaders talk to TypeORM.' }] },
      ],
    },
  },
  {
    files: ['entities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['graphql', 'graphql/*', '@apollo/*'], message: 'Entities know nothing of GraphQL.' }] },
      ],
    },
  },
  {
    files: ['**/*.js', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
