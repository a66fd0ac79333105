/**
 * What one exec changed in its workspace (gate L11.7), as read from the copy-on-write view's upper layer once
 * nothing of the run is left running. Paths are workspace-relative and '/'-separated.
 */

/** Identity of a pre-existing file as it was read for the effect set; re-checked before anything is applied. */
export interface PreImage {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  /** Permission bits (mode & 0o7777). */
  readonly mode: number;
  readonly kind: 'file' | 'dir' | 'symlink' | 'special';
}

export type ChangeKind =
  /** A new regular file. */
  | 'created'
  /** A pre-existing regular file with new content (or the same path now a regular file). */
  | 'modified'
  /** A pre-existing file (or a directory's files) gone. */
  | 'deleted'
  /**
   * A pre-existing file at a new path; `from` says where it was. Content unchanged, unless `modified` says the
   * same file (followed by the overlay's origin) was also edited.
   */
  | 'renamed'
  /** Only the permission bits changed. */
  | 'mode'
  /** A symbolic link created or replacing something. */
  | 'symlink'
  /** A fifo, socket or device node. */
  | 'special'
  /** A new directory. */
  | 'dir';

export interface Effect {
  readonly path: string;
  readonly change: ChangeKind;
  /** For renames: where the file was. */
  readonly from?: string;
  /** For renames: the file's content changed too (edited in place, then moved). */
  readonly modified?: boolean;
  /** Bytes of the new content (regular files). */
  readonly bytes: number;
  /** What was there before (absent for new paths). */
  readonly before?: PreImage;
  /** The new permission bits, when they matter (mode changes, new files). */
  readonly mode?: number;
  /** Target of a new symlink. */
  readonly linkTarget?: string;
}

/** How the upper layer's tree maps onto the workspace: enough to rebuild the merged tree and to apply it. */
export interface UpperDir {
  /** Path in the merged tree. */
  readonly path: string;
  /** The workspace directory whose entries show through (undefined: none — new or opaque). */
  readonly lowerSource: string | undefined;
  /** Moved here from `lowerSource` (overlay redirect). */
  readonly redirected: boolean;
  /** The directory replaced a pre-existing one at the same path (rm -rf, then mkdir). */
  readonly opaque: boolean;
  readonly mode: number;
  /** Names in the upper directory: files, links, specials, whiteouts, subdirectories. */
  readonly entries: ReadonlyMap<string, UpperEntry>;
}

export type UpperEntry =
  | { readonly kind: 'whiteout' }
  | {
      readonly kind: 'file';
      readonly size: number;
      readonly mode: number;
      /** Inode of the workspace file it was copied up from (see DirXattrs.originIno). */
      readonly originIno?: number;
    }
  | { readonly kind: 'symlink'; readonly target: string }
  | { readonly kind: 'special'; readonly mode: number }
  | { readonly kind: 'dir'; readonly dir: UpperDir };

export interface EffectSet {
  readonly effects: readonly Effect[];
  /** Bytes of new content in the upper layer (what the run added). */
  readonly bytesWritten: number;
  /** The upper tree, rooted at the workspace ('' path). */
  readonly root: UpperDir;
}
