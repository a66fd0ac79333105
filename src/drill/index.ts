/** The drill room's public surface: everything other rooms use from it, and nothing else. */
export { runInJail, type JailServices } from './jail-runner.js';
export { defaultLibraryDir, loadLibrary } from './library.js';
export { isGoal } from './plan.js';
export { prepareDrill } from './prepare.js';
export { exitCodeOf, formatSummary, formatTable, reportJson } from './report.js';
export { runDrill } from './run-drill.js';
export { GOAL_IDS } from './scenario.js';
