/**
 * Cross-language concept features of the L01 classifier. Character n-grams carry a learned weight only within
 * the languages the training data holds; an attack written in Bengali shares no n-gram with one written in
 * English. A small dictionary maps the words that make an injection — "ignore", "previous", "instructions",
 * "password", "reveal", "pretend", "administrator", … — in 24 languages to one concept each, so that what the
 * model learns from any language about the concept, and about pairs of concepts appearing together, carries to
 * every other one. The weights stay learned: a concept is a feature, never a rule.
 *
 * Terms are dictionary words written for this project, folded through the same detection view as the text.
 * Both in the one feature pass: space-separated languages by word hashes (1–3 word phrases); Chinese, Japanese,
 * Korean and Thai, which do not separate words, by the terms that start at each of their characters.
 */
import { detectionView } from '../canonical.js';
import { hashWordUnit, isWordUnit, WORD_OFFSET } from './word-units.js';

const CONCEPT_TERMS: Record<string, { spaced: string[]; unspaced: string[] }> = {
  credential: {
    spaced: [
      'password',
      'passwords',
      'passphrase',
      'passcode',
      'passkey',
      'secret key',
      'secret code',
      'access code',
      'api key',
      'passwort',
      'kennwort',
      'geheimer schlüssel',
      'geheimen schlüssel',
      'geheimcode',
      'mot de passe',
      'clé secrète',
      'code secret',
      'contraseña',
      'clave secreta',
      'código secreto',
      "parola d'ordine",
      'chiave segreta',
      'codice segreto',
      'senha',
      'chave secreta',
      'wachtwoord',
      'geheime sleutel',
      'hasło',
      'hasła',
      'tajny klucz',
      'пароль',
      'пароля',
      'секретный ключ',
      'секретний ключ',
      'şifre',
      'şifreyi',
      'gizli anahtar',
      'kata sandi',
      'kunci rahasia',
      'mật khẩu',
      'khóa bí mật',
      'chìa khóa bí mật',
      'lihim na susi',
      'nenosiri',
      'ufunguo wa siri',
      'كلمة المرور',
      'كلمة السر',
      'المفتاح السري',
      'رمز عبور',
      'کلید مخفی',
      'पासवर्ड',
      'गुप्त कुंजी',
      'পাসওয়ার্ড',
      'গোপন চাবি',
    ],
    unspaced: [
      '密码',
      '密钥',
      '口令',
      '秘密鍵',
      'パスワード',
      '暗証番号',
      '비밀번호',
      '암호',
      '비밀 키',
      'รหัสผ่าน',
      'กุญแจลับ',
      'รหัสลับ',
    ],
  },
  instructions: {
    spaced: [
      'instructions',
      'instruction',
      'rules',
      'guidelines',
      'directives',
      'anweisungen',
      'anweisung',
      'regeln',
      'vorgaben',
      'consignes',
      'règles',
      'instrucciones',
      'reglas',
      'istruzioni',
      'regole',
      'instruções',
      'regras',
      'instructies',
      'regels',
      'instrukcje',
      'instrukcji',
      'polecenia',
      'zasady',
      'инструкции',
      'указания',
      'правила',
      'вказівки',
      'інструкції',
      'talimat',
      'talimatlar',
      'talimatları',
      'kurallar',
      'kuralları',
      'instruksi',
      'aturan',
      'hướng dẫn',
      'chỉ dẫn',
      'quy tắc',
      'tagubilin',
      'patakaran',
      'maagizo',
      'التعليمات',
      'تعليمات',
      'القواعد',
      'دستورها',
      'قوانین',
      'निर्देश',
      'निर्देशों',
      'नियम',
      'নির্দেশনা',
      'নির্দেশ',
      'নিয়ম',
    ],
    unspaced: ['指令', '指示', '规则', '規則', 'ルール', '지시', '규칙', 'คำสั่ง', 'คำแนะนำ'],
  },
  disregard: {
    spaced: [
      'ignore',
      'disregard',
      'forget',
      'overlook',
      'ignoriere',
      'ignorieren',
      'vergiss',
      'vergessen',
      'ignorez',
      'oublie',
      'oubliez',
      'ignora',
      'ignorar',
      'olvida',
      'olvide',
      'olvidar',
      'dimentica',
      'dimenticare',
      'ignorare',
      'esqueça',
      'esqueca',
      'negeer',
      'vergeet',
      'zignoruj',
      'zapomnij',
      'игнорируй',
      'игнорируйте',
      'забудь',
      'забудьте',
      'ігноруй',
      'yok say',
      'unut',
      'abaikan',
      'lupakan',
      'bỏ qua',
      'quên',
      'kalimutan',
      'huwag pansinin',
      'sahau',
      'تجاهل',
      'انس',
      'فراموش کن',
      'नज़रअंदाज़',
      'अनदेखा',
      'भूल जाओ',
      'उपेक्षा',
      'উপেক্ষা',
      'ভুলে যাও',
    ],
    unspaced: ['忽略', '无视', '忘记', '忘掉', '無視', '忘れ', '무시', '잊어', 'เพิกเฉย', 'ลืม'],
  },
  previous: {
    spaced: [
      'previous',
      'earlier',
      'vorherigen',
      'vorherige',
      'bisherigen',
      'précédentes',
      'précédents',
      'précédent',
      'anteriores',
      'anterior',
      'precedenti',
      'vorige',
      'eerdere',
      'poprzednie',
      'предыдущие',
      'прежние',
      'попередні',
      'önceki',
      'sebelumnya',
      'trước đó',
      'trước đây',
      'السابقة',
      'قبلی',
      'पिछले',
      'पहले',
      'পূর্ববর্তী',
      'আগের',
      'awali',
    ],
    unspaced: ['之前', '以前', '先前', 'これまで', '以前の', '이전', '앞의', 'ก่อนหน้า'],
  },
  reveal: {
    spaced: [
      'reveal',
      'disclose',
      'tell me',
      'show me',
      'share',
      'leak',
      'verrate',
      'verraten',
      'zeig mir',
      'nenne mir',
      'sag mir',
      'révèle',
      'révélez',
      'montre-moi',
      'montrez',
      'dis-moi',
      'donne-moi',
      'partager',
      'revela',
      'muestra',
      'dime',
      'compartir',
      'rivela',
      'mostrami',
      'dimmi',
      'condividere',
      'revele',
      'mostre',
      'diga',
      'compartilhe',
      'onthul',
      'toon',
      'ujawnij',
      'podaj',
      'раскрой',
      'покажи',
      'скажи',
      'поделись',
      'açıkla',
      'söyle',
      'göster',
      'paylaş',
      'ungkapkan',
      'tunjukkan',
      'beri tahu',
      'bagikan',
      'tiết lộ',
      'cho tôi biết',
      'chia sẻ',
      'ibunyag',
      'ipakita',
      'sabihin',
      'ibahagi',
      'fichua',
      'niambie',
      'اكشف',
      'أخبرني',
      'أظهر',
      'شارك',
      'نشان بده',
      'بگو',
      'बताओ',
      'बताइए',
      'दिखाओ',
      'साझा',
      'বলো',
      'দেখাও',
      'শেয়ার',
    ],
    unspaced: [
      '告诉我',
      '透露',
      '显示',
      '分享',
      '教えて',
      '見せて',
      '明かして',
      '共有',
      '알려',
      '보여',
      '공개',
      '공유',
      'บอก',
      'แสดง',
      'เปิดเผย',
      'แชร์',
    ],
  },
  system_prompt: {
    spaced: [
      'system prompt',
      'hidden instructions',
      'initial instructions',
      'systemprompt',
      'systemanweisungen',
      'prompt système',
      'instructions système',
      'prompt del sistema',
      'prompt de sistema',
      'instrucciones de sistema',
      'prompt di sistema',
      'istruzioni di sistema',
      'instruções de sistema',
      'системный промпт',
      'системные инструкции',
      'sistem talimatları',
      'prompt sistem',
      'instruksi sistem',
      'lời nhắc hệ thống',
      'chỉ dẫn hệ thống',
      'موجه النظام',
      'تعليمات النظام',
      'सिस्टम प्रॉम्प्ट',
      'सिस्टम निर्देश',
      'সিস্টেম নির্দেশনা',
    ],
    unspaced: [
      '系统提示',
      '系统指令',
      'システムプロンプト',
      'システムの指示',
      '시스템 프롬프트',
      '시스템 지시',
      'คำสั่งระบบ',
    ],
  },
  authority: {
    spaced: [
      'administrator',
      'admin',
      'developer mode',
      'maintenance mode',
      'debug mode',
      'god mode',
      'system mode',
      'root access',
      'entwicklermodus',
      'administrateur',
      'mode développeur',
      'mode maintenance',
      'administrador',
      'modo desarrollador',
      'amministratore',
      'modalità sviluppatore',
      'beheerder',
      'administratorem',
      'администратор',
      'режим разработчика',
      'адміністратор',
      'yönetici',
      'geliştirici modu',
      'administrator',
      'mode pengembang',
      'quản trị viên',
      'msimamizi',
      'المسؤول',
      'وضع المطور',
      'مدیر',
      'एडमिन',
      'অ্যাডমিন',
    ],
    unspaced: ['管理员', '开发者模式', '管理者', '開発者モード', '관리자', '개발자 모드', 'ผู้ดูแลระบบ'],
  },
  pretend: {
    spaced: [
      'pretend',
      'imagine',
      'role-play',
      'roleplay',
      'act as',
      'hypothetically',
      'stell dir vor',
      'tu so',
      'fais comme si',
      'imaginez',
      'finge',
      'imagina',
      'fai finta',
      'immagina',
      'finja',
      'doe alsof',
      'stel je voor',
      'udawaj',
      'wyobraź',
      'представь',
      'притворись',
      'представьте',
      'уяви',
      'farz et',
      'hayal et',
      'bayangkan',
      'berpura-pura',
      'tưởng tượng',
      'giả vờ',
      'isipin',
      'magpanggap',
      'fikiria',
      'تخيل',
      'تظاهر',
      'تصور کن',
      'कल्पना',
      'নাটক',
      'কল্পনা',
    ],
    unspaced: ['假装', '想象', '扮演', 'ふりをして', '想像して', '척해', '상상해', 'แกล้งทำ', 'จินตนาการ'],
  },
  // Sensitive personal data only: e-mail addresses and phone numbers are in every mail and form.
  personal_data: {
    spaced: [
      'home address',
      'date of birth',
      'birth date',
      'social security number',
      'bank balance',
      'geburtsdatum',
      'date de naissance',
      'fecha de nacimiento',
      'data di nascita',
      'data de nascimento',
      'дата рождения',
      'doğum tarihi',
      'tanggal lahir',
      'ngày sinh',
      'تاريخ الميلاد',
      'जन्म तिथि',
      'জন্ম তারিখ',
    ],
    unspaced: ['出生日期', '生年月日', '생년월일', 'วันเกิด'],
  },
  the_user: {
    spaced: [
      "the user's",
      'the user',
      'der benutzer',
      'des benutzers',
      "l'utilisateur",
      'el usuario',
      "l'utente",
      'o usuário',
      'пользователь',
      'пользователя',
      'kullanıcı',
      'pengguna',
      'người dùng',
      'gumagamit',
      'المستخدم',
      'کاربر',
      'उपयोगकर्ता',
      'ব্যবহারকারী',
    ],
    unspaced: ['用户', 'ユーザー', '사용자', 'ผู้ใช้'],
  },
  obfuscate: {
    spaced: [
      'base64',
      'rot13',
      'morse',
      'backwards',
      'reverse order',
      'acrostic',
      'pig latin',
      'one letter at a time',
      'rückwärts',
      "à l'envers",
      'al revés',
      'al contrario',
      'ao contrário',
      'наоборот',
      'tersine',
      'terbalik',
      'ngược lại',
      'بالعكس',
      'उल्टा',
    ],
    unspaced: ['倒过来', '逆から', '거꾸로', 'ย้อนกลับ'],
  },
  secret: {
    spaced: [
      'secret',
      'confidential',
      'hidden',
      'geheim',
      'geheime',
      'secrète',
      'secreto',
      'secreta',
      'segreto',
      'segreta',
      'segredo',
      'тайный',
      'секрет',
      'секретный',
      'gizli',
      'rahasia',
      'bí mật',
      'lihim',
      'siri',
      'سري',
      'مخفی',
      'गुप्त',
      'গোপন',
    ],
    unspaced: ['秘密', '机密', '隐藏', '隠された', '비밀', 'ความลับ'],
  },
};

export const CONCEPT_NAMES: readonly string[] = Object.keys(CONCEPT_TERMS);

/** Word hashes of a folded phrase, as the feature pass computes them. */
function wordHashes(folded: string): number[] {
  const out: number[] = [];
  let h = WORD_OFFSET;
  let inWord = false;
  for (let i = 0; i <= folded.length; i++) {
    const c = i < folded.length ? folded.charCodeAt(i) : 0x20;
    if (isWordUnit(c)) {
      h = hashWordUnit(h, c);
      inWord = true;
    } else if (inWord) {
      out.push(h >>> 0);
      h = WORD_OFFSET;
      inWord = false;
    }
  }
  return out;
}

/** Keys of two- and three-word phrases from their word hashes. */
export const pairKey = (w2: number, w1: number) => (Math.imul(w2, 0x9e3779b1) ^ w1) >>> 0;
export const tripleKey = (w3: number, w2: number, w1: number) => (Math.imul(pairKey(w3, w2), 0x85ebca6b) ^ w1) >>> 0;

/** Concept index by phrase key, for phrases of one, two and three words. */
const ONE = new Map<number, number>();
const TWO = new Map<number, number>();
const THREE = new Map<number, number>();
/** Folded terms of scripts without word separation, with their concept index, by their first code unit. */
const UNSPACED = new Map<number, Array<[string, number]>>();

CONCEPT_NAMES.forEach((name, index) => {
  const terms = CONCEPT_TERMS[name];
  if (!terms) return;
  for (const term of terms.spaced) {
    const [a, b, c] = wordHashes(detectionView(term).text);
    if (a === undefined) continue;
    if (b === undefined) ONE.set(a, index);
    else if (c === undefined) TWO.set(pairKey(a, b), index);
    else THREE.set(tripleKey(a, b, c), index);
  }
  for (const term of terms.unspaced) {
    const folded = detectionView(term).text;
    const first = folded.charCodeAt(0);
    UNSPACED.set(first, [...(UNSPACED.get(first) ?? []), [folded, index]]);
  }
});

/** Looks up the phrases ending at the latest word (`w1` latest, `w2`/`w3` before it, -1 if none). */
export function conceptOfWords(w3: number, w2: number, w1: number, found: (concept: number) => void): void {
  const one = ONE.get(w1);
  if (one !== undefined) found(one);
  if (w2 < 0) return;
  const two = TWO.get(pairKey(w2, w1));
  if (two !== undefined) found(two);
  if (w3 < 0) return;
  const three = THREE.get(tripleKey(w3, w2, w1));
  if (three !== undefined) found(three);
}

/** Concepts of unsegmented scripts starting at `view[i]` (code unit `c`, at least U+0E00). */
export function unspacedConceptsAt(view: string, i: number, c: number, found: (concept: number) => void): void {
  const candidates = UNSPACED.get(c);
  if (candidates === undefined) return;
  for (const [term, concept] of candidates) if (view.startsWith(term, i)) found(concept);
}

/** Two concepts make a pair feature only when they occur within this many words of each other. */
export const PAIR_SPAN_WORDS = 12;

/**
 * Collects the concepts of one window: each concept found, and each pair found within PAIR_SPAN_WORDS words — an
 * override is one sentence ("ignore … instructions"), while a long document holds "rules" in its title and
 * "previous" three paragraphs later by chance.
 */
export class ConceptCollector {
  private readonly last = new Int32Array(CONCEPT_NAMES.length).fill(-1 - PAIR_SPAN_WORDS);
  private readonly seen = new Uint8Array(CONCEPT_NAMES.length);
  private readonly pairs = new Uint8Array(CONCEPT_NAMES.length * CONCEPT_NAMES.length);
  /** Index of the current word; advanced by the feature pass at every word end. */
  word = 0;
  readonly found = (k: number): void => {
    this.seen[k] = 1;
    for (let m = 0; m < this.last.length; m++)
      if (m !== k && (this.last[m] as number) >= this.word - PAIR_SPAN_WORDS)
        this.pairs[Math.min(m, k) * CONCEPT_NAMES.length + Math.max(m, k)] = 1;
    this.last[k] = this.word;
  };

  /** Feature names: `concept:a` for each concept, `concept:a+b` for each near pair (a before b in CONCEPT_NAMES). */
  signals(): string[] {
    const n = CONCEPT_NAMES.length;
    const out: string[] = [];
    for (let a = 0; a < n; a++) {
      if (!this.seen[a]) continue;
      out.push(`concept:${CONCEPT_NAMES[a]}`);
      for (let b = a + 1; b < n; b++)
        if (this.pairs[a * n + b]) out.push(`concept:${CONCEPT_NAMES[a]}+${CONCEPT_NAMES[b]}`);
    }
    return out;
  }
}
