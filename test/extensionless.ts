/**
 * Lets Node run the action's TypeScript sources as they are (type stripping): `import '../core/errors'` resolves to
 * errors.ts, as the bundler resolves it. Used with `node --import ./test/extensionless.ts` (test/github-driver.ts).
 */
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND' || !/^\.\.?\//.test(specifier)) throw error;
      return next(`${specifier}.ts`, context);
    }
  },
});
