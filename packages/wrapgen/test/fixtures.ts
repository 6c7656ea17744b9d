// Shared by the tests: the fixture interface, parsed once per test file.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseInterface } from '../src/index.js';
import type { InterfaceModel } from '../src/index.js';

export const FIXTURE_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const LINUX24_PATH = `${FIXTURE_DIR}linux24.h`;

export function linux24(): InterfaceModel {
  return parseInterface([{ name: 'linux24.h', text: readFileSync(LINUX24_PATH, 'utf8') }]);
}
