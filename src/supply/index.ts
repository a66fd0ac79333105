/** The supply room's public surface: everything other rooms use from it, and nothing else. */
export { supplyLayers } from './layer-report.js';
export { updateIndex } from './osv/advisory-index.js';
export { DEFAULT_MAX_INDEX_AGE_DAYS, parsePackageSpec, screenPackage } from './osv/screen.js';
export { scanSkillFolder } from './skills/scan/folder.js';
export { addSkillFrom, scanSkillSource } from './skills/source.js';
export { enabledSkillDirs, skillShelf } from './skills/disclosure.js';
export type { SkillScan } from './skills/scan/types.js';
export { addSkill, listSkills, removeSkill, setSkillAgent } from './skills/store.js';
