/** The guards room's public surface: everything other rooms use from it, and nothing else. */
export { CANARY_SHAPE, canaryForms, type CanaryForm } from './canary.js';
export { createInputGuard, type InputVerdict } from './input-guard.js';
export { reminderFor, roleRisk, targetsOperator, type InboundRole } from './inbound-role.js';
export { CLIENT_INSTRUCTIONS_HEADER, CLIENT_TAG, frameClientInstructions } from './client-frame.js';
export { redact, scanOutput, type OutputFinding } from './output-guard-scan.js';
export { createOutputGuard, type OutputGuard } from './output-guard.js';
export { createPerimeter, type Perimeter } from './perimeter.js';
export { sourceInputPolicy } from './source-policy.js';
export { PromptFingerprint } from './prompt-extraction.js';
export { sanitizeToolOutput } from './tool-output.js';
export { wrapExternal } from './wrap-external.js';
