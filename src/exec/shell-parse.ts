/** The shell parser lives in text/ (tier 1) so the L27 classifier in policy/ reads commands with it too. */
export * from '../text/shell-parse.js';
