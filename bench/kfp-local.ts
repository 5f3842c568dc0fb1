/**
 * What starting one image costs under kfp.local's DockerRunner over podman (tools/images/podman-service.sh): the
 * container call kfp.local makes (test/kfp/kfp_docker.py, with the container kept until its exit code is read),
 * timed around `node --version` in the preprocess image, ten times. Needs the images of tools/images/build.sh
 * (FLTS_IMAGE_TAG for another tag).
 *
 *   npx tsx bench/kfp-local.ts
 */
import { spawnSync } from 'node:child_process';
import { allComponentSpecs } from '../components/specs.js';
import { imageFor } from '../shared/kfp/component-yaml.js';
import { tempDir } from '../test/helpers/component.js';
import { python, repoRoot } from '../test/helpers/python.js';
import { defaultImage } from '../tools/image.js';
import { recordResult } from './record.js';

const service = await tempDir('flts-bench-podman-');
const started = spawnSync('bash', ['tools/images/podman-service.sh', service], { cwd: repoRoot, encoding: 'utf8' });
if (started.status !== 0) {
  console.log(`bench/kfp-local: skipped, podman cannot serve here: ${started.stderr.trim()}`);
  process.exit(0);
}
const env: NodeJS.ProcessEnv = { ...process.env };
let pid = 0;
for (const line of started.stdout.trim().split('\n')) {
  const at = line.indexOf('=');
  if (line.startsWith('PODMAN_PID=')) pid = Number(line.slice(at + 1));
  else env[line.slice(0, at)] = line.slice(at + 1);
}
try {
  const image = imageFor(allComponentSpecs[0], defaultImage);
  const probe = spawnSync(python, ['test/kfp/kfp_docker.py', 'probe', image, '10'], { cwd: repoRoot, env, encoding: 'utf8' });
  const result = JSON.parse(probe.stdout.trim().split('\n').pop() ?? '{}') as { ok: boolean; error: string; seconds: number[] };
  if (!result.ok) throw new Error(`probe failed: ${result.error}\n${probe.stderr}`);
  const sorted = [...result.seconds].sort((a, b) => a - b);
  await recordResult('kfp-local', { image, tag: process.env['FLTS_IMAGE_TAG'] ?? defaultImage.tag, perTaskSeconds: { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted.at(-1) }, runs: result.seconds });
} finally {
  if (pid > 0) process.kill(pid, 'SIGTERM');
}
