// Entry point of the package's build step (`tsup && node dist/build-objects.js`): compiles
// every extension and variant under c/ into objects/.
import { buildAll } from './build.js';
import { EXTENSION_OBJECT_DIR, EXTENSION_SOURCE_DIR } from './paths.js';

try {
  const results = buildAll(EXTENSION_SOURCE_DIR, EXTENSION_OBJECT_DIR);
  for (const r of results) {
    console.log(`${r.rebuilt ? 'built   ' : 'current '} ${r.target.name}.o (${r.target.sources.length} source${r.target.sources.length === 1 ? '' : 's'})`);
  }
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exitCode = 1;
}
