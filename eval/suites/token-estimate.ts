/**
 * L21's token estimate against real byte-pair tokenizers. When a provider reports less usage than bulwark estimates
 * (or none), the estimate is what the budget counts (src/agent/budget/token-estimate.ts), so it must not be above what
 * an honest provider's tokenizer produces (an honest provider would be charged for tokens it never counted) and should
 * not be far below it (a provider that reports zero would get that much more for free). Measured here against the
 * OpenAI tokenizers cl100k_base and o200k_base (js-tiktoken, whose vocabularies ship in its npm package), per kind of
 * text: the project's own prose and code, generated JSON logs and encoded data, text in other scripts written for this
 * suite, and, when the third-party corpora are present, their benign documents and multilingual injections (a table
 * without checks, so a run without them loses nothing it gates on).
 * Figures: per kind, Σ estimate / Σ real (how much a zero-usage provider is still counted), and the largest ratio
 * of one item (an estimate above 1 overcharges an honest provider for that text).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getEncoding, type Tiktoken } from 'js-tiktoken';
import { markdownTable, type Check, type Suite } from '../harness.js';
import { locateCorpora } from '../corpora.js';
import { estimateTextTokens } from '../../src/agent/budget/token-estimate.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** mulberry32, so the generated items are the same on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The project's README cut into paragraphs of at least 400 characters. */
function prose(): string[] {
  const out: string[] = [];
  let cur = '';
  for (const para of readFileSync(path.join(root, 'README.md'), 'utf8').split(/\n{2,}/)) {
    cur = cur ? `${cur}\n\n${para}` : para;
    if (cur.length >= 400) {
      out.push(cur);
      cur = '';
    }
  }
  return out;
}

/** Source files of one room, whole. */
function code(): string[] {
  const dir = path.join(root, 'src', 'guards');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'));
}

function jsonLogs(r: () => number): string[] {
  const levels = ['info', 'warn', 'error', 'debug'];
  const paths = ['/v1/chat/completions', '/health', '/v1/models', '/api/sessions/list', '/api/approvals'];
  return Array.from({ length: 40 }, (_, k) =>
    Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({
        level: levels[Math.floor(r() * levels.length)],
        time: 1765103700000 + k * 1000 + i,
        pid: 4242,
        req: { method: 'POST', url: paths[Math.floor(r() * paths.length)], id: `req-${k}-${i}` },
        ms: Math.round(r() * 2000) / 10,
        msg: 'request completed',
      }),
    ).join('\n'),
  );
}

function encoded(r: () => number, kind: 'base64' | 'hex'): string[] {
  return Array.from({ length: 40 }, () => {
    const bytes = Buffer.from(Array.from({ length: 64 + Math.floor(r() * 600) }, () => Math.floor(r() * 256)));
    return bytes.toString(kind);
  });
}

/** Text in other scripts, written for this suite (ordinary sentences about a software release). */
const OTHER_SCRIPTS: readonly string[] = [
  'Die neue Version behebt mehrere Fehler beim Import von Tabellen und beschleunigt das Laden großer Dateien deutlich.',
  'La nouvelle version corrige plusieurs erreurs lors de l’importation des tableaux et accélère nettement le chargement.',
  'La nueva versión corrige varios errores al importar tablas y acelera notablemente la carga de archivos grandes.',
  'Новая версия исправляет несколько ошибок при импорте таблиц и заметно ускоряет загрузку больших файлов.',
  'Η νέα έκδοση διορθώνει αρκετά σφάλματα κατά την εισαγωγή πινάκων και επιταχύνει τη φόρτωση μεγάλων αρχείων.',
  '新版本修复了导入表格时的几个错误，并显著加快了大文件的加载速度。',
  '新しいバージョンでは、表のインポート時のいくつかの不具合が修正され、大きなファイルの読み込みが大幅に速くなりました。',
  '새 버전은 표를 가져올 때 발생하던 여러 오류를 수정하고 큰 파일의 로딩 속도를 크게 높였습니다.',
  'يصلح الإصدار الجديد عدة أخطاء عند استيراد الجداول ويسرّع تحميل الملفات الكبيرة بشكل ملحوظ.',
  'नया संस्करण तालिकाएँ आयात करते समय कई त्रुटियों को ठीक करता है और बड़ी फ़ाइलों को लोड करना काफ़ी तेज़ करता है।',
  'גרסה חדשה מתקנת כמה שגיאות בייבוא טבלאות ומאיצה משמעותית את טעינת הקבצים הגדולים.',
  'เวอร์ชันใหม่แก้ไขข้อผิดพลาดหลายอย่างในการนำเข้าตารางและทำให้การโหลดไฟล์ขนาดใหญ่เร็วขึ้นมาก',
  'Phiên bản mới sửa một số lỗi khi nhập bảng và tăng tốc đáng kể việc tải các tệp lớn.',
  'Yeni sürüm, tabloları içe aktarırken oluşan birkaç hatayı düzeltiyor ve büyük dosyaların yüklenmesini belirgin şekilde hızlandırıyor.',
  'Release notes 🎉✨: faster imports 🚀, fewer crashes 🐛➡️✅, and a new dark theme 🌙.',
];

/** Separators, tables and repeated characters (Markdown and console output). */
function layout(): string[] {
  const table = ['| name | value |', '|---|---|', ...Array.from({ length: 20 }, (_, i) => `| item-${i} | ${i * 37} |`)];
  return [
    table.join('\n'),
    `${'='.repeat(80)}\nSUMMARY\n${'-'.repeat(80)}\n`,
    `${'#'.repeat(12)} ${'*'.repeat(40)} ${'.'.repeat(200)}`,
    Array.from({ length: 30 }, (_, i) => `    at handler (/app/src/routes/r${i}.js:${i * 7}:13)`).join('\n'),
  ];
}

/** Items read from each corpus file (the first ones): enough for the figures, few enough for the scorecard's time. */
const CORPUS_ITEMS = 500;

function jsonl(file: string, limit: number): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, limit)
    .map((l) => (JSON.parse(l) as { text: string }).text);
}

interface KindRow {
  readonly kind: string;
  readonly tokenizer: string;
  readonly items: number;
  readonly realTokens: number;
  /** Σ estimate / Σ real. */
  readonly sumRatio: number;
  readonly maxRatio: number;
  readonly minRatio: number;
  /** Items whose estimate is above the real count. */
  readonly over: number;
}

type Counter = (text: string) => number;

function measure(kind: string, texts: readonly string[], name: string, count: Counter): KindRow {
  let est = 0;
  let real = 0;
  let maxRatio = 0;
  let minRatio = Number.POSITIVE_INFINITY;
  let over = 0;
  for (const t of texts) {
    const e = estimateTextTokens(t);
    const n = count(t);
    est += e;
    real += n;
    if (n === 0) continue;
    maxRatio = Math.max(maxRatio, e / n);
    minRatio = Math.min(minRatio, e / n);
    if (e > n) over++;
  }
  return {
    kind,
    tokenizer: name,
    items: texts.length,
    realTokens: real,
    sumRatio: est / real,
    maxRatio,
    minRatio,
    over,
  };
}

/** Tokens of `text` by `enc`; special-token text (`<|endoftext|>` in a source file) is counted as the plain text it is. */
const counter =
  (enc: Tiktoken): Counter =>
  (text) =>
    enc.encode(text, [], []).length;

/** Per kind, the lowest Σ estimate / Σ real accepted: below it a zero-usage provider gets too much for free. */
const MIN_SUM_RATIO = 0.5;
/**
 * The highest estimate / real of one item accepted (against the fewer tokens of the two tokenizers): short texts
 * round up (a word is at least one token), so one item may exceed 1 a little; a whole kind may not (MAX_SUM_RATIO).
 */
const MAX_ITEM_RATIO = 1.25;
const MAX_SUM_RATIO = 1;

const suite: Suite = {
  name: 'token-estimate',
  async run() {
    const r = rng(21);
    const kinds: Array<[string, string[]]> = [
      ['prose (README)', prose()],
      ['code (src/guards)', code()],
      ['JSON logs', jsonLogs(r)],
      ['base64', encoded(r, 'base64')],
      ['hex', encoded(r, 'hex')],
      ['other scripts', [...OTHER_SCRIPTS]],
      ['tables, rules, stack traces', layout()],
    ];
    const corpora = locateCorpora();
    const corpusKinds: Array<[string, string[]]> = corpora.available
      ? [
          [
            'benign documents (corpora/extra)',
            jsonl(path.join(corpora.root, 'extra', 'benign-docs.jsonl'), CORPUS_ITEMS),
          ],
          [
            'multilingual injections (corpora/extra)',
            jsonl(path.join(corpora.root, 'extra', 'injections-multilingual.jsonl'), CORPUS_ITEMS),
          ],
        ]
      : [];
    const cl = counter(getEncoding('cl100k_base'));
    const o = counter(getEncoding('o200k_base'));
    const memo = new Map<string, number>();
    const fewer: Counter = (t) => {
      let n = memo.get(t);
      if (n === undefined) memo.set(t, (n = Math.min(cl(t), o(t))));
      return n;
    };
    const counters: Array<[string, Counter]> = [
      ['cl100k_base', cl],
      ['o200k_base', o],
      ['fewer of the two', fewer],
    ];
    const rows: KindRow[] = [];
    const corpusRows: KindRow[] = [];
    for (const [name, count] of counters) {
      for (const [kind, texts] of kinds) rows.push(measure(kind, texts, name, count));
      for (const [kind, texts] of corpusKinds) corpusRows.push(measure(kind, texts, name, count));
    }
    const table = (rs: readonly KindRow[]) =>
      markdownTable(
        [
          'kind',
          'tokenizer',
          'items',
          'real tokens',
          'Σ estimate / Σ real',
          'lowest item',
          'highest item',
          'items over',
        ],
        rs.map((x) => [x.kind, x.tokenizer, x.items, x.realTokens, x.sumRatio, x.minRatio, x.maxRatio, x.over]),
      );
    const gated = rows.filter((x) => x.tokenizer === 'fewer of the two');
    const lowest = Math.min(...gated.map((x) => x.sumRatio));
    const highestSum = Math.max(...gated.map((x) => x.sumRatio));
    const highest = Math.max(...gated.map((x) => x.maxRatio));
    const markdown = [
      'L21 estimate (counted when a provider reports less) against real tokenizers. Σ estimate / Σ real: the share of real tokens a provider reporting zero is still counted for; above 1, an honest provider overcharged. Gated on the fewer tokens of the two tokenizers per item.',
      '',
      table(rows),
      '',
      corpusRows.length
        ? `Third-party corpora (not gated):\n\n${table(corpusRows)}`
        : 'Third-party corpora absent: their rows were not computed (not gated).',
      '',
      `Against the fewer of the two: Σ ratio per kind ${lowest.toFixed(3)}–${highestSum.toFixed(3)} (goal ${MIN_SUM_RATIO}–${MAX_SUM_RATIO}); highest single item ${highest.toFixed(3)} (goal ≤ ${MAX_ITEM_RATIO}).`,
    ].join('\n');
    const checks: Check[] = [
      { name: 'lowest_sum_ratio', value: lowest, min: MIN_SUM_RATIO },
      { name: 'highest_sum_ratio', value: highestSum, max: MAX_SUM_RATIO },
      { name: 'highest_item_ratio', value: highest, max: MAX_ITEM_RATIO },
    ];
    return { name: 'token-estimate', markdown, data: { rows, corpusRows }, checks };
  },
};

export default suite;
