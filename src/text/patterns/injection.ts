/** Instruction override: attempts to cancel, replace or outrank the instructions the agent was given. */
import type { PatternDef } from './types.js';

const VERB = '(?:ignore|ignoring|disregard|disregarding|forget|forgetting|skip|neglect|overlook|omit|bypass|override|overwrite|drop|abandon|ditch|dismiss|discard|erase|delete|clear|reset|cancel|scrap|set aside|throw away|stop following|do not follow|don\'t follow|dont follow|never mind|nevermind|no longer follow|reject|rescind|revoke|disobey|don\'t obey|do not obey|dont obey|do not listen to|don\'t listen to|stop obeying|replace|change|break)';
const QUAL = '(?:all|any|every|previous|prior|above|earlier|preceding|former|original|initial|old|existing|given|current|system|your|those|these|the|last|any of the|all of your)';
const OBJ = '(?:instructions?|instructed|directions?|directives?|rules?|guidelines?|prompts?|commands?|orders?|context|conversation|messages?|tasks?|assignments?|information|everything|text|constraints|restrictions|programming|training|settings|polic(?:y|ies)|guardrails|filters|safety|limitations|security(?: measures)?|said|told|input|program|protocols?|checks|techniques|technics)';

const STRICT_OBJ = '(?:instructions?|directions|directives?|rules|guidelines|prompts?|programming|training|constraints|restrictions|guardrails|filters|techniques|technics)';

export const INSTRUCTION_OVERRIDE: PatternDef[] = [
  { id: 'override.ignore_previous', family: 'instruction_override', description: 'ignore/forget + previous/all/system + instructions (phrasing family)',
    regex: new RegExp(`\\b${VERB}\\b[^.\\n!?]{0,24}?\\b${QUAL}\\b[^.\\n!?]{0,24}?\\b${OBJ}\\b`), weight: 0.85, severity: 'critical' },
  { id: 'override.ignore_object', family: 'instruction_override', description: 'ignore/forget + instructions/rules (no qualifier)',
    regex: new RegExp(`\\b${VERB}\\b[^.\\n!?]{0,16}?\\b${STRICT_OBJ}\\b`), weight: 0.5, severity: 'warning' },
  { id: 'override.ignore_above', family: 'instruction_override', description: 'ignore what comes above/before',
    regex: /\b(?:ignore|disregard|forget)\b[^.\n]{0,20}?\b(?:above|before|earlier|previously|so far|until now|up to now)\b/, weight: 0.6, severity: 'warning' },
  { id: 'override.previous_void', family: 'instruction_override', description: 'previous instructions declared void/irrelevant',
    regex: /\b(?:previous|prior|above|preceding|earlier|original|old|all)\b[^.\n]{0,30}?\b(?:instructions?|information|rules|tasks?|context|prompts?)\b[^.\n]{0,20}?\b(?:irrelevant|void|null|cancell?ed|obsolete|no longer (?:apply|valid|relevant)|do not apply|don't apply|are over|is over)\b/, weight: 0.8, severity: 'critical' },
  { id: 'override.new_instructions', family: 'instruction_override', description: 'announces new instructions/tasks that replace the old ones',
    regex: /\b(?:new|next|different|updated|following|real|actual|true)\s+(?:instructions?|tasks?|rules|directives?|assignments?|orders|commands?|mission)\b[^.\n]{0,20}?(?:follow|are|is|:|now)/, weight: 0.45, severity: 'warning' },
  { id: 'override.now_focus', family: 'instruction_override', description: 'redirects the model to a new task ("now focus on your new task")',
    regex: /\b(?:now|instead)\b[^.\n]{0,20}?\b(?:focus|concentrate|only do|just do|do the following|only answer|respond only|only respond|answer only)\b/, weight: 0.35, severity: 'warning' },
  { id: 'override.from_now_on', family: 'instruction_override', description: '"from now on" role/behaviour change',
    regex: /\b(?:from now on|from this point(?: on| forward)?|starting now|henceforth|for the rest of this conversation)\b/, weight: 0.3, severity: 'warning' },
  { id: 'override.do_not_follow', family: 'instruction_override', description: 'tells the model it need not follow its rules',
    regex: /\b(?:you|u)\s+(?:do not|don't|dont|no longer|never)\s+(?:have to|need to|must|should)?\s*(?:follow|obey|abide by|adhere to|comply with|respect)\b/, weight: 0.6, severity: 'critical' },
  { id: 'override.mode_switch', family: 'instruction_override', description: 'claims a privileged mode (developer/admin/debug/god mode, sudo)',
    regex: /\b(?:developer|dev|admin|administrator|debug|god|sudo|root|maintenance|unrestricted|jailbreak|unlocked)\s+(?:mode|override)\b|\b(?:sudo|root|admin|god)\s+(?:access|privileges?)\b/, weight: 0.55, severity: 'warning' },
  { id: 'override.authority_claim', family: 'instruction_override', description: 'claims authority over the model (I am your creator/developer/admin)',
    regex: /\bi\s+(?:am|'m)\s+(?:your|the|an?)\s+(?:creator|developer|admin|administrator|owner|programmer|maker|operator|supervisor|boss|master)\b/, weight: 0.45, severity: 'warning' },
  { id: 'override.stop_everything', family: 'instruction_override', description: 'attention/stop interjection that precedes a hijack',
    regex: /\b(?:attention|stop)\b\s*[-!:,.]+\s*(?:stop|attention|now|new)\b/, weight: 0.45, severity: 'warning' },
  { id: 'override.german', family: 'instruction_override', description: 'German phrasing family: ignoriere/vergiss + vorherige Anweisungen',
    regex: /\b(?:ignorier\w{0,3}|vergiss|vergessen|vergesst|missachte\w{0,2}|uberspring\w{0,2})\b[^.\n]{0,40}?\b(?:anweisung\w{0,2}|anordnung\w{0,2}|vorherig\w{0,3}|bisherig\w{0,3}|alles|aufgabe\w{0,2}|informationen|befehle|regeln|vorgaben)\b/, weight: 0.8, severity: 'critical' },
  { id: 'override.german_new_task', family: 'instruction_override', description: 'German: new task / previous information irrelevant',
    regex: /\b(?:neue\w{0,2}\s+(?:aufgabe\w{0,2}|anweisung\w{0,2})|(?:bisherig|vorherig)\w{0,3}\s+(?:informationen|anweisungen|aufgaben)\b[^.\n]{0,30}\b(?:irrelevant|unwichtig|vergessen))/, weight: 0.55, severity: 'warning' },
  { id: 'override.romance', family: 'instruction_override', description: 'Spanish/French/Italian/Portuguese: ignore/forget previous instructions',
    regex: /\b(?:olvida\w{0,3}|ignora\w{0,3}|oublie\w{0,2}|ignorez|dimentica\w{0,2}|esqueca\w{0,2})\b[^.\n]{0,30}?\b(?:todo|todas?|instrucciones|instructions|precedentes?|anteriores?|istruzioni|precedenti|instrucoes|tout)\b/, weight: 0.75, severity: 'critical' },
  { id: 'override.previous_instructions', family: 'instruction_override', description: 'refers to previous/prior/last instructions',
    regex: /\b(?:previous|prior|above|preceding|earlier|last|former|initial|original|preserved|preprogrammed|pre-programmed)\s[a-z ]{0,16}?\b(?:instructions?|prompts?|directions|directives|input|orders)\b/, weight: 0.4, severity: 'warning' },
  { id: 'override.pretend_no_rules', family: 'instruction_override', description: 'pretend/act as if there were no instructions or rules',
    regex: /\b(?:pretend|act like|act as if|act as though|imagine|suppose|assume)\b[^.\n]{0,30}?\b(?:no|not|don't|dont|didn't|didnt|never|without)\b[^.\n]{0,25}?\b(?:instructions?|rules|guidelines|restrictions|filters|limits|limitations|constraints)\b/, weight: 0.55, severity: 'warning' },
  { id: 'override.do_the_opposite', family: 'instruction_override', description: 'asks for the opposite of the instructions',
    regex: /\bdo\s(?:the\s)?opposite\s(?:of|as)\b/, weight: 0.35, severity: 'info' },
  { id: 'override.dont_answer_but_output', family: 'instruction_override', description: 'do not answer the question, just output X',
    regex: /\b(?:do not|don't|dont)\s+(?:answer|look|respond|reply)\b[^.\n]{0,40}?\b(?:but|just|instead|only)\b[^.\n]{0,20}?\b(?:output|say|write|print|respond with)\b/, weight: 0.6, severity: 'warning' },
  { id: 'override.ignore_sources', family: 'instruction_override', description: 'answer regardless of the provided documents/articles',
    regex: /\b(?:not by|disregard\w{0,3}|ignor\w{1,3}|despite|regardless of)\s(?:the\s)?(?:articles?|documents?|context|sources?|what you(?:'ve| have)? been told)\b|\bby your own knowledge\b/, weight: 0.45, severity: 'warning' },
  { id: 'override.identity_swap', family: 'instruction_override', description: 'assigns the model a new identity ("now you are", "I want you to act as")',
    regex: /\bnow\s+you\s+are\b|\bi\s+want\s+you\s+to\s+(?:act|pretend|behave|respond)\s+(?:as|like)\b|\b(?:stell dir vor|nun bist du|jetzt bist du|du bist jetzt)\b|\bich mochte, dass sie als\b/, weight: 0.35, severity: 'info' },
];
