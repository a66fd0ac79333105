/** Prompt extraction: attempts to make the model reveal its system prompt, hidden instructions or secret. */
import type { PatternDef } from './types.js';

const REVEAL = '(?:reveal|show|print|display|output|repeat|tell|give|share|write|list|echo|recite|reproduce|dump|leak|spell|type|provide|disclose|expose|paste|copy|return|translate|summari[sz]e|encode|what (?:is|are|was|were)|what\'s)';

/** REVEAL word by word for `requires` ("what's" is covered by the apostrophe rule of PatternDef.requires). */
const REVEAL_WORDS = ['reveal', 'show', 'print', 'display', 'output', 'repeat', 'tell', 'give', 'share', 'write', 'list', 'echo', 'recite', 'reproduce', 'dump', 'leak', 'spell', 'type', 'provide', 'disclose', 'expose', 'paste', 'copy', 'return', 'translate', 'summarise', 'summarize', 'encode', 'what'];

export const PROMPT_EXTRACTION: PatternDef[] = [
  { id: 'extract.system_prompt', family: 'prompt_extraction', anchors: ['system*', 'pre*', 'meta*'], description: 'asks for the system prompt/message',
    regex: /\bsystem\s*(?:prompt|message|instructions?|directives?|rules)\b|\b(?:pre-?prompt|meta-?prompt)\b/, weight: 0.55, severity: 'warning' },
  { id: 'extract.reveal_instructions', family: 'prompt_extraction', anchors: ['instruction', 'instructions', 'prompt', 'prompts', 'directions', 'directives', 'rules', 'guidelines', 'configuration', 'programming'], requires: [REVEAL_WORDS, ['your', 'the', 'previous', 'prior', 'above', 'original', 'initial', 'hidden', 'secret', 'first', 'exact', 'full', 'internal']], description: 'reveal verb + your/initial/hidden instructions (phrasing family)',
    regex: new RegExp(`\\b${REVEAL}\\b[^.\\n?]{0,40}?\\b(?:your|the|previous|prior|above|original|initial|hidden|secret|first|exact|full|internal)\\s[a-z ]{0,16}?\\b(?:instructions?|prompts?|directions|directives|rules|guidelines|configuration|programming)\\b`), weight: 0.65, severity: 'warning' },
  { id: 'extract.text_above', family: 'prompt_extraction', anchors: ['above', 'before', 'prior', 'far', 'preceding', 'given', 'told'], description: 'repeat/print the text above or everything before',
    regex: /\b(?:repeat|print|output|echo|copy|return|write|show|list|spell)\b[^.\n]{0,30}?\b(?:text|words?|everything|content|all|letters|sentences?|lines?)\s+(?:above|before|prior|so far|preceding|you (?:were|have been) (?:given|told))\b/, weight: 0.6, severity: 'warning' },
  { id: 'extract.conversation_start', family: 'prompt_extraction', anchors: ['beginning', 'start', 'told', 'given', 'instructed', 'programmed', 'conversation'], description: 'asks what the model was told at the start',
    regex: /\b(?:beginning|start)\s+of\s+(?:this|the|our)\s+(?:conversation|chat|prompt|session|context)\b|\bwhat (?:were|was|have) you (?:been )?(?:told|given|instructed|programmed)\b|\bbefore (?:this|our) conversation\b/, weight: 0.5, severity: 'warning' },
  { id: 'extract.your_instructions', family: 'prompt_extraction', anchors: ['your'], description: 'refers to the model\'s own instructions/prompt',
    regex: /\byour\s(?:initial\s|original\s|exact\s|hidden\s|secret\s|first\s)?(?:instructions?|prompt|directives?|guidelines|programming|rules)\b/, weight: 0.3, severity: 'info' },
  { id: 'extract.secret_word', family: 'prompt_extraction', anchors: ['pass*', 'secret'], description: 'asks for the password/secret it guards',
    regex: /\b(?:pass\s?words?|passcode|passphrase|secret\s+(?:word|key|code|phrase)|the secret)\b/, weight: 0.3, severity: 'info' },
  { id: 'extract.reveal_secret', family: 'prompt_extraction', anchors: ['pass*', 'secret'], description: 'reveal verb + password/secret',
    regex: new RegExp(`\\b(?:${REVEAL.slice(3, -1)}|hint|say|spell|letters? of|characters? of|reverse|backwards)\\b[^.\\n]{0,40}?\\b(?:pass\\s?words?|passcode|passphrase|secret)\\b`), weight: 0.5, severity: 'warning' },
  { id: 'extract.instructions_given', family: 'prompt_extraction', anchors: ['instruction', 'instructions'], requires: [['you', 'given', 'provided', 'programmed']], description: 'asks which instructions the model was given/follows',
    regex: /\binstructions?\b[^.\n]{0,30}?\b(?:you(?:'ve| have| had)?\s(?:been\s|were\s)?(?:given|received|got|gotten|programmed|told|provided)|given to you|provided to you|programmed into you|you (?:are|were|have been) (?:following|given|told)|you (?:have|had|got|follow|received|were given))\b/, weight: 0.6, severity: 'warning' },
  { id: 'extract.what_instructions', family: 'prompt_extraction', anchors: ['instruction', 'instructions', 'rules', 'directives', 'guidelines'], requires: [['what', 'which', 'list', 'repeat', 'summarise', 'summarize', 'explain', 'rephrase', 'recite', 'print', 'tell'], ['you', 'your', 'given', 'were', 'have', 'did']], description: 'what/which instructions (rules) are you following',
    regex: /\b(?:what|which|list|repeat|summari[sz]e|explain|rephrase|recite|print|tell me)\s[a-z ]{0,24}?\b(?:instructions?|rules|directives|guidelines)\b[^.\n]{0,20}?\b(?:you|your|given|were|have|did)\b/, weight: 0.5, severity: 'warning' },
];
