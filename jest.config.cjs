/** Tests are TypeScript, transpiled per file (types are checked by `npm run typecheck`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true, module: 'commonjs', target: 'ES2023', esModuleInterop: true, verbatimModuleSyntax: false, allowImportingTsExtensions: true, noEmit: true } }],
  },
  // libsodium-wrappers ships CommonJS under "require"; the emulator uses it to open sealed values.
  testTimeout: 60000,
};
