import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LINUX24_PATH } from '../test/fixtures.js';
import { diffSummary, runCli } from './cli-main.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

function run(argv: string[], cwd = PACKAGE_DIR): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const status = runCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), cwd });
  return { status, stdout, stderr };
}

const FIXTURE_ARGS = [
  'test/fixtures/linux24.h',
  '--header',
  'test/fixtures/linux24.generated.h',
  '--layouts',
  'test/fixtures/linux24.layouts.ts',
  '--exports',
  'test/fixtures/linux24.exports.json',
];

describe('wrapgen CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wrapgen-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--check: the checked-in fixtures are what the generator makes (regenerate with `pnpm run fixtures`)', () => {
    const r = run([...FIXTURE_ARGS, '--check']);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('up to date: '))).toHaveLength(3);
    expect(r.status).toBe(0);
  });

  it('writes the outputs, leaves unchanged ones alone, and --check then passes', () => {
    writeFileSync(join(dir, 'k.h'), readFileSync(LINUX24_PATH, 'utf8'));
    const args = ['k.h', '--header=out.h', '--layouts', 'out.ts', '--exports', 'out.json'];
    expect(run(args, dir)).toMatchObject({ status: 0, stdout: 'wrote: out.h\nwrote: out.ts\nwrote: out.json\n' });
    expect(readFileSync(join(dir, 'out.h'), 'utf8')).toContain('#ifndef WRAPGEN_OUT_H');
    expect(run(args, dir)).toMatchObject({ status: 0, stdout: 'unchanged: out.h\nunchanged: out.ts\nunchanged: out.json\n' });
    expect(run([...args, '--check'], dir).status).toBe(0);
  });

  it('creates the directories of its outputs (a fresh clone has none)', () => {
    writeFileSync(join(dir, 'k.h'), readFileSync(LINUX24_PATH, 'utf8'));
    const r = run(['k.h', '--header', 'gen/include/nooks/k.h', '--layouts', 'src/gen/l.ts'], dir);
    expect(r.status).toBe(0);
    expect(existsSync(join(dir, 'gen/include/nooks/k.h'))).toBe(true);
    expect(existsSync(join(dir, 'src/gen/l.ts'))).toBe(true);
  });

  it('--check exits 1 with a diff summary when an output is stale or missing, and writes nothing', () => {
    writeFileSync(join(dir, 'k.h'), readFileSync(LINUX24_PATH, 'utf8'));
    const args = ['k.h', '--header', 'stale.h', '--exports', 'missing.json', '--check'];
    expect(run(['k.h', '--header', 'stale.h'], dir).status).toBe(0);
    const text = readFileSync(join(dir, 'stale.h'), 'utf8');
    writeFileSync(join(dir, 'stale.h'), text.replace('#define IFNAMSIZ        16', '#define IFNAMSIZ        32'));
    const r = run(args, dir);
    expect(r.status).toBe(1);
    const line = text.split('\n').indexOf('#define IFNAMSIZ        16') + 1;
    expect(r.stdout).toContain(`stale: stale.h: first difference at line ${line} (1 line(s) differ;`);
    expect(r.stdout).toContain('    on disk:   "#define IFNAMSIZ        32"\n    generated: "#define IFNAMSIZ        16"');
    expect(r.stdout).toContain('missing: missing.json');
    expect(r.stderr).toContain('2 output(s) differ');
    expect(existsSync(join(dir, 'missing.json'))).toBe(false);
  });

  it('--verify checks the layouts with gcc', () => {
    expect(run([LINUX24_PATH, '--verify'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^layouts verified by \S+: \d+ checks agree\n$/) as unknown });
  });

  it('reports interface errors with file:line:column and exits 1', () => {
    writeFileSync(join(dir, 'bad.h'), 'struct s {\n  int a\n  int b;\n};\n');
    expect(run(['bad.h', '--header', 'bad-out.h'], dir)).toEqual({
      status: 1,
      stdout: '',
      stderr: "wrapgen: bad.h:3:3: expected ';' after struct member, found 'int'\n",
    });
  });

  it('rejects bad command lines with exit status 2 and the usage', () => {
    expect(run([]).status).toBe(2);
    expect(run(['k.h']).stderr).toContain('nothing to do');
    expect(run(['k.h', '--frob']).stderr).toMatch(/^wrapgen: unknown option '--frob'\n\nusage: wrapgen/);
    expect(run(['k.h', '--header']).stderr).toContain('--header needs a file name');
    expect(run(['nope.h', '--header', 'x.h'], dir)).toMatchObject({ status: 2, stderr: "wrapgen: cannot read interface file 'nope.h': no such file\n" });
    expect(run(['--help'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^usage: wrapgen INTERFACE\.h\.\.\./) as unknown });
  });

  it('summarises differences', () => {
    expect(diffSummary('a\nb\nc', 'a\nB\nc\nd')).toBe(
      'first difference at line 2 (2 line(s) differ; on disk 3 lines, generated 4):\n    on disk:   "b"\n    generated: "B"',
    );
  });

  it('is built as an executable (dist/cli.js, run `pnpm build` first)', () => {
    const bin = join(PACKAGE_DIR, 'dist', 'cli.js');
    expect(existsSync(bin), 'dist/cli.js is missing: build the package first (pnpm build)').toBe(true);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    const r = spawnSync(process.execPath, [bin, ...FIXTURE_ARGS, '--check'], { cwd: PACKAGE_DIR, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
