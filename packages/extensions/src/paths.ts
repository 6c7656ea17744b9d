import { fileURLToPath } from 'node:url';

/** Directory of the extensions' C sources (`c/<name>/*.c`, shared headers in `c/include`). */
export const EXTENSION_SOURCE_DIR = fileURLToPath(new URL('../c/', import.meta.url));

/** Directory the build writes `<name>.o` objects into. */
export const EXTENSION_OBJECT_DIR = fileURLToPath(new URL('../objects/', import.meta.url));
