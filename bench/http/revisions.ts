import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A git revision of the checkout at `root`, unpacked and built in a temporary directory (node_modules
 * shared by a link), so benchmarks can run it beside this tree without touching the checkout.
 */
export function buildRev(root: string, rev: string): string {
  const sha = execFileSync('git', ['rev-parse', '--short', rev], { cwd: root, encoding: 'utf8' }).trim();
  const dir = join(tmpdir(), `oo-bench-rev-${sha}`);
  if (!existsSync(join(dir, 'dist/src/server.js'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${sha} | tar -x -C ${dir}`], { cwd: root });
    if (!existsSync(join(dir, 'node_modules')))
      symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    process.stderr.write(`building ${sha} in ${dir}\n`);
    execFileSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: dir,
        stdio: 'inherit',
      },
    );
  }
  return dir;
}
