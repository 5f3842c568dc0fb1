// Runs inside the inference image (tools/images/smoke.sh): starts the serve mode on a loopback port, with the model
// directory given as the first argument when there is one, and checks the KServe health endpoints: live answers
// 200, ready answers 200 once the model is loaded (503 without one). Plain JavaScript: the image has nothing else.
import { spawn } from 'node:child_process';

const model = process.argv[1];
const port = 18000 + Math.floor(Math.random() * 2000);
const args = ['/app/dist/inference.js', 'serve', '--host', '127.0.0.1', '--port', String(port), '--poll-interval-ms', '0'];
const child = spawn('node', model ? [...args, '--model', model] : args, { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
child.stderr.on('data', (chunk) => (stderr += chunk));
const status = async (path) => {
  try {
    return (await fetch(`http://127.0.0.1:${port}${path}`)).status;
  } catch {
    return 0;
  }
};
const until = async (path, wanted, ms) => {
  const end = Date.now() + ms;
  let last = 0;
  while (Date.now() < end) {
    last = await status(path);
    if (last === wanted) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return last;
};
try {
  const live = await until('/v2/health/live', 200, 30_000);
  if (live !== 200) throw new Error(`/v2/health/live answered ${live}`);
  const wanted = model ? 200 : 503;
  const ready = await until('/v2/health/ready', wanted, 60_000);
  if (ready !== wanted) throw new Error(`/v2/health/ready answered ${ready}, expected ${wanted}`);
  console.log(`serve ok: /v2/health/live 200, /v2/health/ready ${ready}${model ? ' with the model loaded' : ' (no model given)'}`);
} catch (error) {
  console.log(`serve FAILED: ${error.message}; stderr: ${stderr.slice(-800)}`);
  process.exitCode = 1;
} finally {
  child.kill('SIGTERM');
}
