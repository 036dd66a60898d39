// ESLint flat config: typescript-eslint's recommended rules, plus the one-way flow of STYLE.md
// (resolvers never import typeorm; entities never import graphql).
import tseslint from 'typescript-eslint';

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
