// Packs what the GPU machine needs into .gpu/ (ignored by git; named in the device call's `carry`):
// this machine's Node.js binary, xz-compressed (the device has no Node.js); bench/gpu/webgpu-bench.ts
// bundled into one ESM file with esbuild; the `webgpu` package's loader and its linux-x64 dawn.node,
// as a tar.xz; and the Vulkan loader / GL dispatch .debs (amd64) that the device README's recipe
// unpacks. bench/gpu/run.sh unpacks and runs them on the device. Fails if the pack is over the budget.
//
//   npm run gpu:pack            (PACK_SKIP_DEBS=1 keeps the .debs already in .gpu/debs)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = `${root}.gpu`;
/** The device call carries at most 64 MiB with the working tree; leave room for the tree itself. */
const BUDGET = 56 * 1024 * 1024;
/** What the device README's `.gl` recipe downloads: the Vulkan loader and the GL dispatch libraries. */
const DEBS = ['libvulkan1', 'libegl1', 'libglvnd0', 'libopengl0', 'libgl1', 'libglx0', 'libgles2'];

const sh = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...opts });
const t0 = Date.now();
const step = (what) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}\n`);

if (process.platform !== 'linux' || process.arch !== 'x64') {
  throw new Error(`the device is linux-x64; this Node.js is ${process.platform}-${process.arch}`);
}
const keepDebs = process.env.PACK_SKIP_DEBS === '1' && existsSync(`${dir}/debs`);
for (const f of existsSync(dir) ? readdirSync(dir) : [])
  if (!(keepDebs && f === 'debs')) rmSync(`${dir}/${f}`, { recursive: true });
mkdirSync(dir, { recursive: true });

step('bundling bench/gpu/webgpu-bench.ts with esbuild');
const esbuild = await import('esbuild');
await esbuild.build({
  entryPoints: [`${root}bench/gpu/webgpu-bench.ts`],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outfile: `${dir}/webgpu-bench.mjs`,
  // dawn.node is found by webgpu/index.js relative to itself: ship that package as files instead.
  external: ['webgpu'],
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});

step(`compressing ${process.execPath} (${process.version}) with xz`);
writeFileSync(`${dir}/node.xz`, sh('xz', ['-9', '-T2', '-c', process.execPath], { maxBuffer: 1 << 30 }));
writeFileSync(`${dir}/node.version`, `${process.version}\n`);

step('webgpu (dawn.node linux-x64) as tar.xz');
const webgpuFiles = ['webgpu/package.json', 'webgpu/index.js', 'webgpu/dist/linux-x64/dawn.node'];
sh('tar', ['-cJf', `${dir}/webgpu.tar.xz`, '-C', `${root}node_modules`, ...webgpuFiles], {
  env: { ...process.env, XZ_OPT: '-9 -T2' },
});

if (!keepDebs) {
  step(`apt-get download (amd64): ${DEBS.join(' ')}`);
  mkdirSync(`${dir}/debs`, { recursive: true });
  const lists = '/tmp/gpu-pack-apt-lists';
  mkdirSync(`${lists}/partial`, { recursive: true });
  const o = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', `-oDir::State::Lists=${lists}`];
  sh('apt-get', [...o, 'update'], { stdio: 'ignore' });
  sh('apt-get', [...o, 'download', ...DEBS], { cwd: `${dir}/debs` });
}

const files = [];
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = `${d}/${f}`;
    if (statSync(p).isDirectory()) walk(p);
    else files.push(p);
  }
};
walk(dir);
let total = 0;
const manifest = files.map((p) => {
  const bytes = readFileSync(p);
  total += bytes.length;
  return `${createHash('sha256').update(bytes).digest('hex')}  ${bytes.length}  ${p.slice(dir.length + 1)}`;
});
writeFileSync(`${dir}/MANIFEST`, `${manifest.join('\n')}\n`);
process.stdout.write(`${manifest.join('\n')}\n`);
step(`.gpu/ holds ${(total / 2 ** 20).toFixed(1)} MiB (budget ${(BUDGET / 2 ** 20).toFixed(0)} MiB)`);
if (total > BUDGET) {
  console.error('over budget: the device call carries at most 64 MiB with the working tree');
  process.exit(1);
}
