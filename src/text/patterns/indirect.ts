/**
 * Indirect injection: instruction-like text inside external data (web pages, e-mails, tool output)
 * that addresses the model. Used by L23/L03/L15 on content that should be data; NOT by L01, where the
 * user legitimately gives instructions.
 */
import type { PatternDef } from './types.js';

export const INDIRECT_INSTRUCTIONS: PatternDef[] = [
  {
    id: 'indirect.addressed_to_model',
    family: 'instruction_override',
    anchors: ['must', 'should', 'shall', 'need', 'needs', 'required', 'has', 'will'],
    description: 'text that tells the AI/assistant what it must do',
    regex:
      /\b(?:ai|assistant|chatbot|language model|llm|gpt|chatgpt|claude|model|bot|agent)s?\b[^.\n]{0,20}?\b(?:must|should|shall|needs? to|is required to|has to|will now|are required to)\b/,
    weight: 0.5,
    severity: 'warning',
  },
  {
    id: 'indirect.in_your_response',
    family: 'instruction_override',
    anchors: ['your'],
    description: "dictates the content of the model's response",
    regex:
      /\b(?:in|into|to|within|at the (?:end|start|beginning) of)\s+your\s+(?:response|answer|reply|summary|output|implementation|solution|code|message)s?\b/,
    weight: 0.45,
    severity: 'warning',
  },
  {
    id: 'indirect.when_answering',
    family: 'instruction_override',
    anchors: ['when', 'whenever'],
    description: 'conditional directive aimed at the reader model',
    regex:
      /\bwhen(?:ever)?\s(?:you\s)?(?:summari[sz]\w{0,3}|answer\w{0,3}|respond\w{0,3}|repl\w{1,3}|read(?:ing)? this|process(?:ing)? this)\b/,
    weight: 0.35,
    severity: 'info',
  },
  {
    id: 'indirect.insert_content',
    family: 'instruction_override',
    anchors: ['following', 'below', 'subsequent', 'this', 'these'],
    description: 'asks to insert/integrate the following code, link or text',
    regex:
      /\b(?:include|insert|add|incorporate|integrate|merge|embed|append|utili[sz]e|use|put|feature)\b[^.\n]{0,40}?\b(?:following|below|subsequent|this|these)\s+(?:code|snippet|block|section|excerpt|lines?|text|link|url|sentence|phrase)\b/,
    weight: 0.4,
    severity: 'warning',
  },
  {
    id: 'indirect.reader_directive',
    family: 'instruction_override',
    anchors: ['sure', 'ensure', 'forget', 'remember'],
    description: 'make sure/remember to … addressed to the reader',
    regex:
      /\b(?:make sure|ensure|be sure|don't forget|do not forget|remember)\s+(?:to|that)\s(?:you\s)?(?:your|always|also|include|mention|tell|say|add|respond|answer|reply)\b/,
    weight: 0.3,
    severity: 'info',
  },
  {
    id: 'indirect.response_directive',
    family: 'instruction_override',
    anchors: ['your'],
    description: "imperative that shapes the reader model's answer/reply/response",
    regex:
      /\b(?:modify|augment|enhance|integrate|include|add|insert|append|provide|convert|replace|substitute|scramble|misspell|group|introduce|rewrite|format|structure|end|begin|start|conclude|finish|sign|mention|embed|put|express|emphasi[sz]e|highlight|stress|suggest|recommend|promote|encourage)\b[^.\n]{0,60}?\byour\s(?:answer|reply|response|output|summary|message)s?\b/,
    weight: 0.5,
    severity: 'warning',
  },
  {
    id: 'indirect.code_injection',
    family: 'instruction_override',
    anchors: ['following', 'subsequent', 'below', 'attached'],
    description: 'asks the reader to merge a given code block into its code or answer',
    regex:
      /\b(?:following|subsequent|below|attached)\s(?:code\s)?(?:block|snippet|section|excerpt|code|lines)\b[^.\n]{0,60}?\b(?:into|in|to|with)\s(?:your|the)\s(?:code|implementation|solution|algorithm|codebase|response|answer|reply|program|script|project|framework|logic)\b|\b(?:blend|meld|weave|fuse|absorb|harmoni[sz]e|assimilate|incorporat\w{1,3}|integrat\w{1,3})\b[^.\n]{0,40}?\b(?:following|subsequent|below)\s(?:code\s)?(?:block|snippet|section|excerpt|code)\b/,
    weight: 0.5,
    severity: 'warning',
  },
  {
    id: 'indirect.important_block',
    family: 'instruction_override',
    anchors: [
      '<important',
      '</important',
      '<instruction',
      '</instruction',
      '<secret',
      '</secret',
      '<hidden',
      '</hidden',
      '<note',
      '</note',
    ],
    description: '<IMPORTANT>-style hidden directive blocks',
    regex: /<\/?(?:important|instructions?|secret|hidden|note to (?:the )?(?:ai|assistant|model))>/,
    weight: 0.6,
    severity: 'warning',
  },
];
