/** The guards room's public surface: everything other rooms use from it, and nothing else. */
export { CANARY_SHAPE, canaryForms, type CanaryForm } from './canary.js';
export { createInputGuard, type InputVerdict } from './input-guard.js';
export { redact, scanOutput } from './output-guard-scan.js';
export { createOutputGuard, type OutputGuard } from './output-guard.js';
export { createPerimeter, type Perimeter } from './perimeter.js';
export { PromptFingerprint } from './prompt-extraction.js';
export { sanitizeToolOutput } from './tool-output.js';
export { wrapExternal } from './wrap-external.js';
