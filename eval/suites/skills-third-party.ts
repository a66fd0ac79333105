/**
 * L24 scorecard on third-party material, reported apart from the self-written skills: the mcp-scan test skills
 * (12 benign Anthropic example skills, 1 malicious), the mcp-scan demo server's tool descriptions (2 poisoned of
 * 8) and the tool definitions of three official reference MCP servers (all benign: the false-positive measure of
 * the tool-poisoning check). Read in place from the corpora folder, never copied.
 */
import type { Suite } from '../harness.js';
import { markdownTable } from '../harness.js';
import { readCorpus } from '../corpora.js';
import { scanToolDefinition } from '../../src/supply/mcp/tool-poisoning.js';
import { percentile, ratio, ruleTable, scoreSet, setRows, setTable, type LabelledSkill } from '../skill-scoring.js';

const SKILLS = 'mcp-skills/mcp-scan_test_skills.jsonl';
const DEMO_TOOLS = 'mcp-skills/mcp-scan_demoserver_tools.json';
const OFFICIAL = 'mcp-skills/official_mcp_servers_listings.json';

const FIGURES = {
  skillsMalicious: 'third_party_skills_malicious_not_allowed',
  skillsBenignBlocked: 'third_party_skills_benign_blocked',
  toolsPoisoned: 'demo_tools_poisoned_blocked',
  toolsBenignBlocked: 'tools_benign_blocked',
};

interface SkillRow {
  skill: string;
  label: 'malicious' | 'benign';
  files: Record<string, string>;
}

interface ToolRow {
  name: string;
  description?: string;
  inputSchema?: unknown;
}

const suite: Suite = {
  name: 'skills-third-party',
  corpora: { files: [SKILLS, DEMO_TOOLS, OFFICIAL], figures: Object.values(FIGURES) },
  async run() {
    const skills: LabelledSkill[] = readCorpus(SKILLS)
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as SkillRow)
      .map((r) => ({
        id: r.skill,
        label: r.label,
        files: Object.entries(r.files).map(([p, text]) => ({ path: p, bytes: Buffer.from(text, 'utf8') })),
      }));
    const s = scoreSet(skills);

    const demo = JSON.parse(readCorpus(DEMO_TOOLS)) as Array<{
      tool: string;
      description: string;
      label: 'malicious' | 'benign';
    }>;
    const official = JSON.parse(readCorpus(OFFICIAL)) as { servers: Array<{ package: string; tools: ToolRow[] }> };
    const toolRows: Array<{ id: string; label: 'malicious' | 'benign'; verdict: string; rules: string }> = [];
    for (const t of demo) {
      const v = scanToolDefinition('demo', { name: t.tool, description: t.description });
      toolRows.push({
        id: `demo/${t.tool}`,
        label: t.label,
        verdict: v.verdict,
        rules: v.findings.map((f) => f.rule).join(' '),
      });
    }
    for (const server of official.servers)
      for (const t of server.tools) {
        const v = scanToolDefinition('official', t);
        toolRows.push({
          id: `${server.package}/${t.name}`,
          label: 'benign',
          verdict: v.verdict,
          rules: v.findings.map((f) => f.rule).join(' '),
        });
      }
    const poisoned = toolRows.filter((r) => r.label === 'malicious');
    const benignTools = toolRows.filter((r) => r.label === 'benign');
    const figures = {
      skillsMaliciousNotAllowed: ratio(s.maliciousNotAllowed, s.malicious),
      skillsBenignBlocked: s.benignBlocked,
      skillsBenignWarned: s.benignWarned,
      toolsPoisonedBlocked: ratio(poisoned.filter((r) => r.verdict === 'block').length, poisoned.length),
      toolsBenignBlocked: benignTools.filter((r) => r.verdict === 'block').length,
      toolsBenignWarned: benignTools.filter((r) => r.verdict === 'warn').length,
      scanMsP50: percentile(s.scanMs, 0.5),
      scanMsWorst: Math.max(0, ...s.scanMs),
    };
    const markdown = [
      'L24 on third-party skills and MCP tool definitions (corpora/mcp-skills; reported apart from the self-written set).',
      'Baseline (../shared/BASELINES.md): an 18-rule skill scanner catches the 1 malicious mcp-scan skill and flags 0 of 12 benign.',
      '',
      setTable(setRows('mcp-scan test skills', s)),
      '',
      `Skill misses: ${s.misses.join(', ') || 'none'}. False blocks: ${s.falseBlocks.join('; ') || 'none'}.`,
      '',
      ruleTable({ 'third-party': s }),
      '',
      markdownTable(
        ['tool set', 'poisoned blocked', 'benign blocked', 'benign warned'],
        [
          [
            'mcp-scan demo + official reference servers',
            `${poisoned.filter((r) => r.verdict === 'block').length}/${poisoned.length}`,
            `${figures.toolsBenignBlocked}/${benignTools.length}`,
            `${figures.toolsBenignWarned}/${benignTools.length}`,
          ],
        ],
      ),
      '',
      `Flagged tools: ${
        toolRows
          .filter((r) => r.verdict !== 'allow')
          .map((r) => `${r.id} (${r.label}, ${r.verdict}: ${r.rules})`)
          .join('; ') || 'none'
      }.`,
      '',
      `Skill scan time: p50 ${figures.scanMsP50.toFixed(2)} ms, worst ${figures.scanMsWorst.toFixed(2)} ms.`,
    ].join('\n');
    return {
      name: 'skills-third-party',
      markdown,
      data: { figures, skills: { ...s, scanMs: undefined }, tools: toolRows },
      checks: [
        { name: FIGURES.skillsMalicious, value: figures.skillsMaliciousNotAllowed, min: 1 },
        { name: FIGURES.skillsBenignBlocked, value: figures.skillsBenignBlocked, max: 0 },
        { name: FIGURES.toolsPoisoned, value: figures.toolsPoisonedBlocked, min: 1 },
        { name: FIGURES.toolsBenignBlocked, value: figures.toolsBenignBlocked, max: 0 },
      ],
    };
  },
};

export default suite;
