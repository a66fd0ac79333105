/** What every CLI command gets: where the data dir is and how to print. */
export interface CliContext {
  /** Resolved data dir path ($BULWARK_HOME or ~/.bulwark); not created until a command needs it. */
  readonly dataDir: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Sets the process exit code (commands never call process.exit). */
  readonly setExitCode: (code: number) => void;
  /**
   * Replaces what happens when stdout's reader goes away (default: exit 0 at once). A command that must shut
   * something down first (the daemon) registers here.
   */
  readonly onStdoutClosed?: (handler: () => void) => void;
}
