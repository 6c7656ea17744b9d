import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './cli.js';
import { runCli } from './test-support.js';

describe('nooks', () => {
  it('prints its help and each command with --help (exit 0)', async () => {
    const top = await runCli(['--help']);
    expect(top.status).toBe(0);
    for (const c of COMMANDS) expect(top.out).toContain(c.name);
    for (const c of COMMANDS) {
      for (const flag of ['--help', '-h']) {
        const r = await runCli([c.name, flag]);
        expect(r.status, `${c.name} ${flag}`).toBe(0);
        expect(r.out).toMatch(new RegExp(`^usage: nooks ${c.name}`));
        expect(r.out).toContain('Exit status');
        expect(r.err).toBe('');
      }
      // `nooks help CMD` is the same as `nooks CMD --help`
      expect((await runCli(['help', c.name])).out).toBe((await runCli([c.name, '--help'])).out);
    }
  });

  it('without a command: usage on stderr, exit 2', async () => {
    const r = await runCli([]);
    expect(r.status).toBe(2);
    expect(r.err).toContain('usage: nooks COMMAND');
  });

  it('an unknown command: exit 2, naming it and the commands', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.err).toContain("unknown command 'frobnicate'");
    expect(r.err).toContain('bench, trial, campaign, report, inspect, faults, bugs');
  });

  it('bad flags: exit 2 with what is wrong and the usage line', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['trial', '--frob'], /unknown option '--frob'/],
      [['trial', '--extension'], /option '--extension' needs a value/],
      [['bugs', '--json=yes'], /'--json' does not take a value/],
      [['bugs', 'extra'], /unexpected argument 'extra'/],
      [['faults', '--extension', 'e1000'], /--seed is required/],
      [['faults', '--extension', 'e1000', '--seed', '-3'], /option '--seed' needs a value \('-3' looks like an option; .* write --seed=-3\)/],
      [['faults', '--extension', 'e1000', '--seed=-3'], /--seed must be an integer from 0 to 2\^53-1, not '-3'/],
      [['faults', '--extension', 'e1000', '--seed', '1.5'], /--seed must be an integer/],
      [['faults', '--extension', 'e1000', '--seed', '99999999999999999999'], /--seed must be an integer/],
      [['faults', '--extension', 'e1000', '--seed', '1', '--count', '0'], /--count must be an integer from 1 to 100/],
      [['faults', '--extension', 'e1000', '--seed', '1', '--types', 'bitflip'], /unknown fault type 'bitflip'/],
      [['faults', '--extension', 'e1000', '--seed', '1', '--types', 'free-early'], /'free-early' is not supported/],
      [['faults', '--extension', 'nope', '--seed', '1'], /unknown extension 'nope'/],
      [['trial', '--extension', 'nope', '--mode', 'nooks', '--seed', '1'], /unknown extension 'nope' \(supported: e1000\)/],
      [['trial', '--extension', 'e1000', '--seed', '1'], /--mode is required/],
      [['trial', '--extension', 'e1000', '--mode', 'isolated', '--seed', '1'], /--mode must be one of native, nooks, not 'isolated'/],
      [['trial', '--extension', 'e1000', '--mode', 'nooks'], /give --seed S .* or --bug NAME/],
      [['trial', '--extension', 'e1000', '--mode', 'nooks', '--seed', 'x'], /--seed must be an integer/],
      [['trial', '--extension', 'e1000', '--mode', 'nooks', '--seed', '1', '--bug', 'e1000-double-free'], /--bug and --seed cannot be used together/],
      [['trial', '--extension', 'e1000', '--mode', 'nooks', '--bug', 'e1000-nonesuch'], /unknown bug 'e1000-nonesuch'/],
      [['trial', '--extension', 'e1000', '--mode', 'nooks', '--seed', '1', '--workload', 'web'], /--workload must be one of receive-stream, send-stream, ping/],
      [['trial', '--id', 'nonsense'], /trial id: "nonsense"/],
      [['trial', '--id', 'e1000/nooks/receive-stream/seed=1/faults=5', '--mode', 'native'], /--id and --mode cannot be used together/],
      [['bench', '--extension', 'e1000', '--workload', 'ping'], /--workload must be one of receive-stream, send-stream/],
      [['bench', '--extension', 'e1000', '--mb', '0'], /--mb must be an integer from 1 to 1024/],
      [['bench'], /--extension is required/],
      [['campaign', '--extension', 'e1000'], /--trials is required/],
      [['campaign', '--extension', 'e1000', '--trials', '0'], /--trials must be an integer from 1 to 1000000/],
      [['campaign', '--extension', 'e1000', '--trials', '2', '--workers', 'many'], /--workers must be an integer/],
      [['report', '--format', 'xml'], /--format must be one of table, md, csv, json, not 'xml'/],
      [['inspect'], /which extension\?/],
      [['inspect', 'e1000', '--function', 'nope'], /no function 'nope' in e1000/],
      [['bugs', '--extension', 'nope'], /unknown extension 'nope'/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv);
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
      expect(r.err, argv.join(' ')).toMatch(new RegExp(`usage: nooks ${argv[0]}`));
      expect(r.out, argv.join(' ')).toBe('');
    }
  });

  it('--version', async () => {
    const r = await runCli(['--version']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^nooks \d+\.\d+\.\d+\n$/);
  });
});

describe('the built bin (dist/main.js)', () => {
  const bin = fileURLToPath(new URL('../dist/main.js', import.meta.url));
  const node = (args: string[]): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

  it.skipIf(!existsSync(bin))('runs as a program: exit statuses and streams', () => {
    const help = node(['trial', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: nooks trial/);
    const bad = node(['trial', '--extension', 'nope', '--mode', 'nooks', '--seed', '1']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown extension 'nope'");
    expect(bad.stdout).toBe('');
    const bugs = node(['bugs', '--json']);
    expect(bugs.status).toBe(0);
    expect((JSON.parse(String(bugs.stdout)) as { bugs: unknown[] }).bugs.length).toBeGreaterThan(0);
  });

  it.skipIf(!existsSync(bin))('starts with #!/usr/bin/env node', () => {
    const r = spawnSync('head', ['-1', bin], { encoding: 'utf8' });
    expect(r.stdout).toBe('#!/usr/bin/env node\n');
  });
});
