/**
 * The reason in mount(8)'s complaint, for an operator-facing message: its first line without the mount point it
 * names first (a scratch path of ours that helps nobody), at most 200 characters.
 */
export function mountReason(stderr: string, mountPoint: string): string {
  const first = stderr.trim().split('\n')[0] ?? '';
  const named = `${mountPoint}: `;
  const at = first.lastIndexOf(named);
  return (at >= 0 ? first.slice(at + named.length) : first.replace(/^mount: /, '')).slice(0, 200);
}

/**
 * Whether a refused mount says something about the moment rather than the filesystem: out of mounts (fs.mount-max),
 * memory or a busy resource. Such a refusal is not kept as a verdict on the filesystem.
 */
export function isTransientMountFailure(reason: string): boolean {
  return /no space left on device|cannot allocate memory|device or resource busy|resource temporarily unavailable|too many/i.test(
    reason,
  );
}
