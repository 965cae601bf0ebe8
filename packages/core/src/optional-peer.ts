import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Loads an optional peer (winston, pino) the first time a function that needs it is called,
 * so that importing an entry never loads it by itself. A missing peer is an error naming
 * the package to install and the function that needed it.
 */
export function optionalPeer<T>(name: string, neededBy: string): () => T {
  let loaded: T | undefined;
  return () => {
    if (loaded === undefined) {
      try {
        loaded = require(name) as T;
      } catch (cause) {
        throw new Error(`${neededBy} needs the ${name} package; install it (npm install ${name})`, {
          cause,
        });
      }
    }
    return loaded;
  };
}
