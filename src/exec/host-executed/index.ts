/**
 * Host-executed files (gate L11.7): what the host or the user's tools run or load without the user choosing to run
 * code. One table (table.ts), one judge (judge.ts) for every write path, and the git config parser it relies on.
 */
export { HOST_EXECUTED, type HostExecutedRule, type HostFileJudge, type HostFileScope } from './table.js';
export {
  judgeChanges,
  judgeHostExecuted,
  judgeTree,
  type ChangeKind,
  type HostFileChange,
  type JudgeOptions,
} from './judge.js';
export { gitDirectoriesOf, isGitDirectory, resolvePointer, type PointerTarget } from './git-dirs.js';
export { describeRefusals, HOST_FILES_GATE, OPERATOR_ONLY, type HostFileRefusal } from './refusal.js';
export { overlayView, type EntryKind, type OverlayEntry, type TreeView } from './tree-view.js';
export { fsTreeView, MAX_VIEW_FILE_BYTES, type FsTreeViewOptions } from './fs-tree-view.js';
export { readRegularNoFollow } from './read-regular.js';
export {
  parseGitConfig,
  type GitConfigEntry,
  type GitConfigParse,
  type GitConfigSyntaxError,
} from './git-config-parse.js';
export { judgeGitConfig, judgeGitmodules, type ConfigProblem } from './git-config-judge.js';
export { refuseRemoteUrl } from './git-url.js';
export { operatorGitGlobal, type GitGlobalValue } from './operator-git.js';
