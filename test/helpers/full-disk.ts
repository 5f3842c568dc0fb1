/** Whether this machine lets an unprivileged user mount a tmpfs in a user namespace (for the full-disk cases). */
import { execFileSync } from 'node:child_process';

export function canMountTmpfs(): boolean {
  try {
    execFileSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=4k tmpfs /mnt'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
