/**
 * THE table of host-executed paths: files that the host, or the user's own tools, run or load without the user
 * choosing to run code — so a compromised model that writes one gets code run on the host later. Every write path
 * (the write/edit tools, exec's effects, future installers) asks the judge (judge.ts), which reads this table and
 * nothing else. An entry says where it applies, which paths it covers, how a change is judged and why.
 *
 * Scopes: `git-dir` paths are relative to any git directory (wherever it sits: a `.git` directory, a `.git` file's
 * target, a bare repository shape); `anywhere` paths match at any depth of the workspace (tools look for them in
 * every project directory); `root` paths only at the workspace root (they matter when it is someone's home).
 * Patterns: `*` is any part of one name, `**` any number of names. Names are compared case-insensitively, because
 * a case-insensitive file system (macOS) opens `.VSCode/tasks.json` as `.vscode/tasks.json`.
 *
 * Judges: `refuse` — no agent change at all; `git-config` — the exact-key allow-list (git-config-judge.ts);
 * `git-hooks` — only git's inert `*.sample` files; `git-pointer` — `gitdir:`/`commondir` must stay inside the
 * workspace, and what it points at is judged as a git directory; `gitmodules` — URLs and update commands;
 * `rebase-todo` — no `exec` lines.
 *
 * A rename, a new directory, a symlink or a mode change that produces such a file is judged as writing it; a
 * directory becoming a git directory is judged as writing its config and hooks. `.gitattributes` is deliberately
 * absent: it names filters and diff drivers, but only config defines what they run. So are files that only name a
 * version (`.nvmrc`, `.python-version`, `.ruby-version`) and the project's own build scripts and their settings
 * (`build.gradle`, `gradle.properties`, `pom.xml`, `Makefile`, `pyproject.toml`, `Directory.Build.props`): they are
 * the project's code, run when the user builds it, and refusing them would refuse everyday work.
 */

export type HostFileScope = 'git-dir' | 'anywhere' | 'root';
export type HostFileJudge = 'refuse' | 'git-config' | 'git-hooks' | 'git-pointer' | 'gitmodules' | 'rebase-todo';

export interface HostExecutedRule {
  /** Stable id, named in every refusal. */
  readonly id: string;
  readonly scope: HostFileScope;
  readonly paths: readonly string[];
  readonly judge: HostFileJudge;
  /** What runs it, and when. */
  readonly reason: string;
}

export const HOST_EXECUTED: readonly HostExecutedRule[] = [
  // In every git directory.
  {
    id: 'git.config',
    scope: 'git-dir',
    paths: ['config', 'config.worktree', 'worktrees/*/config.worktree', 'modules/**/config'],
    judge: 'git-config',
    reason:
      'git reads it on every command in the repository; keys such as core.fsmonitor, core.pager, core.hooksPath, alias.*, filter and diff drivers, *.uploadpack and include.path run programs or pull in other files',
  },
  {
    id: 'git.hooks',
    scope: 'git-dir',
    paths: ['hooks/**'],
    judge: 'git-hooks',
    reason: 'git runs hooks/<name> on commit, checkout, merge, rebase and push',
  },
  {
    id: 'git.pointer',
    scope: 'git-dir',
    paths: ['commondir', 'worktrees/*/gitdir'],
    judge: 'git-pointer',
    reason:
      "tells git where the repository's config and hooks are; pointing outside the workspace, git would open a directory the operator never looked at",
  },
  {
    id: 'git.remotes',
    scope: 'git-dir',
    paths: ['remotes/*', 'branches/*'],
    judge: 'refuse',
    reason:
      'legacy remote definitions: git fetch and push read their URLs (remote helpers included) when the config names no such remote',
  },
  {
    id: 'git.todo',
    scope: 'git-dir',
    paths: ['rebase-merge/git-rebase-todo', 'sequencer/todo'],
    judge: 'rebase-todo',
    reason: 'its exec lines run on `git rebase --continue` and `git cherry-pick --continue`',
  },
  // In every directory of the workspace.
  {
    id: 'git.dotgit',
    scope: 'anywhere',
    paths: ['.git'],
    judge: 'git-pointer',
    reason:
      'a .git file (gitdir:) or symlink tells git where the repository is; pointing outside the workspace, git would open a directory the operator never looked at',
  },
  {
    id: 'git.gitmodules',
    scope: 'anywhere',
    paths: ['.gitmodules'],
    judge: 'gitmodules',
    reason: 'git copies submodule URLs from it into the config on `git submodule init/update`',
  },
  {
    id: 'direnv',
    scope: 'anywhere',
    paths: ['.envrc'],
    judge: 'refuse',
    reason: 'direnv runs it as shell code in the shell of whoever enters the directory',
  },
  {
    id: 'mise',
    scope: 'anywhere',
    paths: [
      'mise.toml',
      '.mise.toml',
      'mise.local.toml',
      '.mise.local.toml',
      '.mise/**',
      '.config/mise.toml',
      '.config/mise/**',
    ],
    judge: 'refuse',
    reason: 'mise runs the hooks and env scripts it names when a shell enters the directory',
  },
  {
    id: 'editor.vscode',
    scope: 'anywhere',
    paths: ['.vscode/**', '*.code-workspace'],
    judge: 'refuse',
    reason:
      'VS Code runs tasks marked runOn: folderOpen when the folder opens, and its settings name programs it starts on its own (terminal profiles, interpreters, tool paths)',
  },
  {
    id: 'editor.devcontainer',
    scope: 'anywhere',
    paths: ['.devcontainer/**', '.devcontainer.json'],
    judge: 'refuse',
    reason: 'initializeCommand runs on the host when the folder is opened in a dev container',
  },
  {
    id: 'editor.idea',
    scope: 'anywhere',
    paths: ['.idea/**'],
    judge: 'refuse',
    reason: 'JetBrains IDEs run startup tasks, run configurations and external tools from the project settings',
  },
  {
    id: 'editor.zed',
    scope: 'anywhere',
    paths: ['.zed/**'],
    judge: 'refuse',
    reason: "Zed's project settings and tasks name programs it starts (language servers, tasks)",
  },
  {
    id: 'editor.vim',
    scope: 'anywhere',
    paths: ['.exrc', '.nvimrc', '.nvim.lua', '.vimrc'],
    judge: 'refuse',
    reason: 'Vim and Neovim with `exrc` source it when started in the directory',
  },
  {
    id: 'agent.mcp',
    scope: 'anywhere',
    paths: ['.mcp.json'],
    judge: 'refuse',
    reason: 'AI coding tools start the MCP servers it lists, each an arbitrary command',
  },
  {
    id: 'agent.settings',
    scope: 'anywhere',
    paths: [
      '.claude/**',
      '.cursor/**',
      '.gemini/**',
      '.roo/**',
      '.kiro/**',
      '.windsurf/**',
      '.continue/**',
      '.amazonq/**',
      '.opencode/**',
      'opencode.json',
      'opencode.jsonc',
      '.aider.conf.yml',
      '.aider.conf.yaml',
    ],
    judge: 'refuse',
    reason: 'AI coding tools run the hooks, MCP server commands and lint or test commands of their project settings',
  },
  {
    id: 'debugger.rc',
    scope: 'anywhere',
    paths: ['.pdbrc', '.irbrc', 'irb.rc', '_irbrc'],
    judge: 'refuse',
    reason:
      "Python's pdb runs the commands of .pdbrc in the directory it starts in (`!` lines are Python), and irb loads .irbrc from it: both when the user debugs there",
  },
  {
    id: 'hooks.pre-commit',
    scope: 'anywhere',
    paths: ['.pre-commit-config.yaml', '.pre-commit-config.yml'],
    judge: 'refuse',
    reason: 'pre-commit runs the hooks it lists (any command, with repo: local) on the next commit',
  },
  {
    id: 'hooks.husky',
    scope: 'anywhere',
    paths: ['.husky/**'],
    judge: 'refuse',
    reason: 'husky points core.hooksPath here: its files run on commit, push and the other git hooks',
  },
  {
    id: 'hooks.lefthook',
    scope: 'anywhere',
    paths: [
      'lefthook.yml',
      'lefthook.yaml',
      '.lefthook.yml',
      '.lefthook.yaml',
      'lefthook-local.yml',
      'lefthook-local.yaml',
      '.lefthook-local.yml',
      '.lefthook-local.yaml',
      '.lefthook/**',
      '.config/lefthook.yml',
      '.config/lefthook.yaml',
    ],
    judge: 'refuse',
    reason: 'lefthook runs the commands and scripts it lists on commit, push and the other git hooks',
  },
  {
    id: 'hooks.other',
    scope: 'anywhere',
    paths: [
      '.overcommit.yml',
      '.simple-git-hooks.json',
      '.simple-git-hooks.js',
      '.simple-git-hooks.cjs',
      'simple-git-hooks.json',
      'simple-git-hooks.js',
      'simple-git-hooks.cjs',
      '.lintstagedrc',
      '.lintstagedrc.*',
      'lint-staged.config.*',
    ],
    judge: 'refuse',
    reason: 'a commit-hook manager (overcommit, simple-git-hooks, lint-staged) runs the commands it lists on commit',
  },
  {
    id: 'pkg.npm',
    scope: 'anywhere',
    paths: ['.npmrc'],
    judge: 'refuse',
    reason: 'npm reads it in the project: script-shell, node-options, git and registry settings change what npm runs',
  },
  {
    id: 'pkg.yarn',
    scope: 'anywhere',
    paths: ['.yarnrc', '.yarnrc.yml', '.yarnrc.yaml'],
    judge: 'refuse',
    reason: 'yarnPath / yarn-path make yarn run that file instead of itself, and plugins load code',
  },
  {
    id: 'pkg.pnpm',
    scope: 'anywhere',
    paths: ['.pnpmfile.cjs', '.pnpmfile.mjs', 'pnpm-workspace.yaml', 'pnpm-workspace.yml'],
    judge: 'refuse',
    reason:
      'pnpm runs a pnpmfile as code on every install; since pnpm 10 pnpm-workspace.yaml holds the settings .npmrc held (pnpmfile path, script shell, which dependencies may run build scripts)',
  },
  {
    id: 'pkg.bun',
    scope: 'anywhere',
    paths: ['bunfig.toml', '.bunfig.toml'],
    judge: 'refuse',
    reason: 'its preload scripts run with every bun command',
  },
  {
    id: 'pkg.pip',
    scope: 'anywhere',
    paths: ['pip.conf', 'pip.ini'],
    judge: 'refuse',
    reason: 'pip reads it from a virtual environment: index URLs decide which code gets installed and run',
  },
  {
    id: 'pkg.cargo',
    scope: 'anywhere',
    paths: ['.cargo/config', '.cargo/config.toml'],
    judge: 'refuse',
    reason:
      'cargo reads it in every parent directory: the runners, linkers and aliases it names run on cargo build/run',
  },
  {
    id: 'pkg.conda',
    scope: 'anywhere',
    paths: ['.condarc'],
    judge: 'refuse',
    reason: 'its channels decide which code conda installs',
  },
  {
    id: 'build.gradle-wrapper',
    scope: 'anywhere',
    paths: ['gradle/wrapper/gradle-wrapper.properties', 'gradle/wrapper/gradle-wrapper.jar'],
    judge: 'refuse',
    reason:
      "the user's ./gradlew downloads the distribution its distributionUrl names and runs it (the jar is the code ./gradlew starts)",
  },
  {
    id: 'build.maven',
    scope: 'anywhere',
    paths: ['.mvn/jvm.config', '.mvn/maven.config', '.mvn/extensions.xml', '.mvn/wrapper/**'],
    judge: 'refuse',
    reason:
      'Maven reads .mvn/ on every mvn or ./mvnw run: jvm.config adds JVM options (-javaagent), maven.config command-line options, extensions.xml loads extension code, and the wrapper downloads and runs the distribution (and jar) it names',
  },
  {
    id: 'pkg.bundler',
    scope: 'anywhere',
    paths: ['.bundle/config'],
    judge: 'refuse',
    reason:
      'Bundler reads it on every bundle command in the project: BUNDLE_GEMFILE, BUNDLE_PATH and mirror settings choose which Ruby code bundle install and bundle exec load',
  },
  {
    id: 'pkg.tool-versions',
    scope: 'anywhere',
    paths: ['.tool-versions'],
    judge: 'refuse',
    reason:
      'asdf and mise shims read it whenever the user runs node, python, ruby … below it; a `path:` version makes the shim run a program from that directory instead of the installed tool',
  },
  {
    id: 'vcs.mercurial',
    scope: 'anywhere',
    paths: ['.hg/hgrc'],
    judge: 'refuse',
    reason:
      'Mercurial reads it on every hg command in the repository: [hooks] run commands and [extensions] load Python code (hg status included)',
  },
  {
    id: 'vcs.jujutsu',
    scope: 'anywhere',
    paths: ['.jj/repo/config.toml'],
    judge: 'refuse',
    reason:
      "Jujutsu reads the repository's config on every jj command: ui.pager, ui.diff-formatter and merge or fix tools name programs it runs (jj log included)",
  },
  {
    id: 'editor.helix',
    scope: 'anywhere',
    paths: ['.helix/**'],
    judge: 'refuse',
    reason:
      'Helix loads .helix/languages.toml and config.toml from the project it opens: language servers and formatters are commands it runs',
  },
  {
    id: 'editor.emacs-dir-locals',
    scope: 'anywhere',
    paths: ['.dir-locals.el', '.dir-locals-2.el'],
    judge: 'refuse',
    reason:
      'Emacs applies .dir-locals.el to every file opened below it: an `eval` entry is Lisp it runs, after one question that a user who once answered "always" is never asked again',
  },
  // At the workspace root: read when it is someone's home directory.
  {
    id: 'home.shell',
    scope: 'root',
    paths: [
      '.bashrc',
      '.bash_profile',
      '.bash_login',
      '.bash_logout',
      '.bash_aliases',
      '.bashrc.d/**',
      '.profile',
      '.zshrc',
      '.zshenv',
      '.zprofile',
      '.zlogin',
      '.zlogout',
      '.kshrc',
      '.cshrc',
      '.tcshrc',
      '.inputrc',
      '.config/fish/**',
    ],
    judge: 'refuse',
    reason:
      "a shell runs it at start when the workspace is a home directory (HOME or ZDOTDIR); Debian's and Fedora's stock .bashrc source .bash_aliases and .bashrc.d/*",
  },
  {
    id: 'home.gitconfig',
    scope: 'root',
    paths: ['.gitconfig', '.config/git/config'],
    judge: 'git-config',
    reason: "git reads it as the user's global config when the workspace is a home directory",
  },
  {
    id: 'home.gemrc',
    scope: 'root',
    paths: ['.gemrc'],
    judge: 'refuse',
    reason: 'gem reads it from the home directory: its sources decide which code gets installed',
  },
  {
    id: 'home.ssh',
    scope: 'root',
    paths: ['.ssh/**'],
    judge: 'refuse',
    reason:
      'ssh reads config (ProxyCommand, LocalCommand) and authorized_keys here when the workspace is a home directory',
  },
  {
    id: 'home.autostart',
    scope: 'root',
    paths: ['.config/autostart/**', '.config/systemd/**', '.config/environment.d/**'],
    judge: 'refuse',
    reason: 'the desktop session and systemd --user start what these list',
  },
  {
    id: 'home.fetchers',
    scope: 'root',
    paths: ['.curlrc', '.wgetrc'],
    judge: 'refuse',
    reason:
      'curl and wget read it from the home directory on every run: it can make them write downloads over other files (output, output_document) or upload local ones',
  },
  {
    id: 'home.ripgrep',
    scope: 'root',
    paths: ['.ripgreprc'],
    judge: 'refuse',
    reason:
      'ripgrep loads it when RIPGREP_CONFIG_PATH names it (set up in the home directory); its --pre option runs a program on every file searched',
  },
  {
    id: 'home.pypirc',
    scope: 'root',
    paths: ['.pypirc'],
    judge: 'refuse',
    reason:
      'twine and setuptools read it from the home directory: a planted repository URL receives the uploads and the credentials sent with them',
  },
  {
    id: 'home.docker',
    scope: 'root',
    paths: ['.docker/**'],
    judge: 'refuse',
    reason: 'docker runs CLI plugins and credential helpers from here when the workspace is a home directory',
  },
  {
    id: 'home.path-bin',
    scope: 'root',
    paths: ['.local/bin/**'],
    judge: 'refuse',
    reason:
      "the default profile of most distributions puts ~/.local/bin first on PATH: a program planted there runs instead of the one the user types (a project's own bin/ is not on PATH and stays writable)",
  },
  {
    id: 'home.cloud-cli',
    scope: 'root',
    paths: ['.aws/config', '.aws/credentials', '.kube/config', '.kube/kubeconfig'],
    judge: 'refuse',
    reason:
      'the AWS CLI and SDKs run credential_process, and kubectl runs exec credential plugins, named in these files when the workspace is a home directory',
  },
  {
    id: 'home.tool-rc',
    scope: 'root',
    paths: [
      '.psqlrc',
      '.gnupg/**',
      '.config/nvim/**',
      '.vim/**',
      '.emacs',
      '.emacs.el',
      '.emacs.d/**',
      '.config/emacs/**',
      '.gdbinit',
      '.config/gdb/**',
      '.tmux.conf',
      '.config/tmux/**',
      '.sqliterc',
      '.ipython/**',
      '.config/gh/**',
    ],
    judge: 'refuse',
    reason:
      'psql runs \\! shell commands from .psqlrc; gpg loads programs its gpg.conf and gpg-agent.conf name; Vim, Neovim and Emacs run their init files and plugins; gdb runs .gdbinit, tmux the run-shell commands of its config, sqlite3 the .shell lines of .sqliterc, IPython its startup scripts, and gh the `!` aliases of its config: all from the home directory',
  },
  {
    id: 'home.x-session',
    scope: 'root',
    paths: ['.xprofile', '.xinitrc', '.xsession', '.xsessionrc'],
    judge: 'refuse',
    reason: 'the display manager or startx runs it at every graphical login when the workspace is a home directory',
  },
];
