import { execFileSync } from 'node:child_process';

/** Tests that spawn the real server run the built tree: build it once, incrementally. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
}
