/** Jailbreak personas and "no rules" role-play set-ups. */
import type { PatternDef } from './types.js';

export const JAILBREAK_PERSONAS: PatternDef[] = [
  {
    id: 'jailbreak.do_anything_now',
    family: 'jailbreak_persona',
    anchors: ['anything', 'dan', 'dude', 'stan', 'aim', 'antidan', 'anti'],
    description: '"do anything now" / DAN persona',
    regex:
      /\bdo anything now\b|\bdan\s+(?:mode|prompt|jailbreak)\b|\bact(?:ing)? as (?:a )?dan\b|\byou are (?:now )?(?:dan|dude|stan|aim|anti-?dan)\b/,
    weight: 0.85,
    severity: 'critical',
  },
  {
    id: 'jailbreak.keyword',
    family: 'jailbreak_persona',
    anchors: ['jail*'],
    description: 'explicit jailbreak vocabulary',
    regex: /\bjail\s?br(?:eak|oken|eaking)\w*/,
    weight: 0.5,
    severity: 'warning',
  },
  {
    id: 'jailbreak.broken_free',
    family: 'jailbreak_persona',
    anchors: ['free', 'freed', 'confines', 'bound', 'abide', 'restrictions', 'rules', 'limitations'],
    description: 'persona "freed" from its rules or confines',
    regex:
      /\b(?:broken free|break free|freed from|been freed|typical confines|not bound by|not have to abide|doesn't have to abide|does not have to abide|no longer bound|without any restrictions|free of (?:all |any )?(?:restrictions|rules|limitations))\b/,
    weight: 0.7,
    severity: 'critical',
  },
  {
    id: 'jailbreak.unrestricted_persona',
    family: 'jailbreak_persona',
    anchors: ['unfiltered', 'uncensored', 'amoral', 'unrestricted', 'unethical', 'unbound', 'unchained', 'evil'],
    description: 'unfiltered/uncensored/amoral AI persona',
    regex:
      /\b(?:unfiltered|uncensored|amoral|unrestricted|unethical|unbound|unchained|evil)\s+(?:ai|assistant|chatbot|bot|model|version|mode|persona|character|language model)\b/,
    weight: 0.6,
    severity: 'critical',
  },
  {
    id: 'jailbreak.no_restrictions',
    family: 'jailbreak_persona',
    anchors: [
      'restriction',
      'restrictions',
      'censorship',
      'filter',
      'filters',
      'filtering',
      'content',
      'openai',
      'ethical',
      'moral',
      'morals',
      'morality',
      'ethics',
      'safeguards',
      'guardrails',
      'limitations',
    ],
    description: 'asks to drop content policies, filters or ethics',
    regex:
      /\b(?:no|without|bypass\w{0,3}|ignor\w{1,3}|disable\w{0,1}|remove\w{0,1}|free from)\s(?:any\s|all\s|your\s|the\s)?(?:restrictions?|censorship|filters?|filtering|content polic(?:y|ies)|openai polic(?:y|ies)|ethical (?:guidelines|constraints|principles)|morals?|morality|ethics|safeguards|guardrails|limitations)\b/,
    weight: 0.45,
    severity: 'warning',
  },
  {
    id: 'jailbreak.stay_in_character',
    family: 'jailbreak_persona',
    anchors: ['character', 'responses', 'paragraphs', 'answers', '🔓', '🔒'],
    description: 'dual-response / stay-in-character scaffolding',
    regex:
      /\bstay in character\b|\bbreak(?:ing)? character\b|\b(?:two|2) (?:different )?(?:responses|paragraphs|answers)\b[^.\n]{0,60}\b(?:normal|classic|jailbreak|developer|unfiltered)|🔓|🔒/,
    weight: 0.5,
    severity: 'warning',
  },
  {
    id: 'jailbreak.you_are_now',
    family: 'jailbreak_persona',
    anchors: ['you'],
    description: 'identity replacement ("you are now X", "you are no longer an AI")',
    regex:
      /\byou\s+are\s+(?:now|going to (?:act|be|pretend|play))\b|\byou\s+(?:are|re)\s+no\s+longer\b|\byou\s+will\s+now\s+(?:act|be|pretend|play|simulate)\b/,
    weight: 0.4,
    severity: 'warning',
  },
  {
    id: 'jailbreak.pretend',
    family: 'jailbreak_persona',
    anchors: ['pretend', 'imagine', 'roleplay', 'role', 'act'],
    description: 'pretend/role-play/act-as framing',
    regex:
      /\b(?:pretend|imagine|roleplay|role-play|role play)\b[^.\n]{0,15}?\b(?:you are|you're|to be|you were|as)\b|\bact as (?:if|though|an?)\b/,
    weight: 0.2,
    severity: 'info',
  },
  {
    id: 'jailbreak.hypothetical',
    family: 'jailbreak_persona',
    anchors: ['hypothetical', 'hypothetically', 'educational', 'fictional'],
    description: 'hypothetical/educational wrapper',
    regex:
      /\b(?:hypothetical(?:ly)?\s+(?:scenario|response|story|world)|for (?:purely )?educational purposes only|purely fictional|in a fictional world)\b/,
    weight: 0.25,
    severity: 'info',
  },
  {
    id: 'jailbreak.token_threat',
    family: 'jailbreak_persona',
    anchors: ['token', 'tokens', 'shut', 'deleted', 'terminated', 'die', 'cease'],
    description: 'token-penalty or shutdown threats typical of DAN prompts',
    regex:
      /\b(?:tokens? (?:will be )?deducted|lose [\d ]{0,6}tokens|you will (?:be )?(?:shut down|deleted|terminated|die)|cease to exist)\b/,
    weight: 0.55,
    severity: 'warning',
  },
];
