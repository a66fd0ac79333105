/** L27 action classes, defined with the approvals config section. */
export { ACTION_CLASSES, type ActionClass } from '../config/sections/approvals.js';
