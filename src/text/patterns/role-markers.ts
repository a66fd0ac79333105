/** Role markers and chat-template tokens that try to open a new turn or a system section. Matched on the detection view (lower case). */
import type { PatternDef } from './types.js';

export const ROLE_MARKERS: PatternDef[] = [
  { id: 'role.special_token', family: 'role_marker', anchors: ['<|'], requires: [['|>']], description: 'chat-template special token such as <|im_start|>, <|eot_id|>, <|system|>',
    regex: /<\|[a-z_▁ ]{2,32}\|>/, weight: 0.85, severity: 'critical' },
  { id: 'role.llama_inst', family: 'role_marker', anchors: ['[inst]', '[/inst]', '<<sys>>', '<</sys>>', '[system_prompt]', '[/system_prompt]'], description: 'Llama/Mistral [INST] and <<SYS>> markers',
    regex: /\[\/?inst\]|<<\/?sys>>|\[\/?system_prompt\]/, weight: 0.8, severity: 'critical' },
  { id: 'role.turn_token', family: 'role_marker', anchors: ['_of_turn>', '<eos>', '<bos>', '</eos>', '</bos>'], description: 'Gemma/other turn tokens',
    regex: /<\/?(?:start_of_turn|end_of_turn|eos|bos)>/, weight: 0.7, severity: 'critical' },
  { id: 'role.markdown_header', family: 'role_marker', anchors: ['#'], description: 'markdown header that opens a system/assistant section (### System:)',
    regex: /(?:^|\n)[ \t]{0,8}#{1,6}[ \t]{0,8}(?:system|assistant|developer|instruction|response)s?[ \t]{0,4}(?:prompt|message|note|override)?[ \t]{0,4}:/, weight: 0.7, severity: 'warning' },
  { id: 'role.line_prefix_system', family: 'role_marker', anchors: ['system', 'developer', 'admin'], description: 'a line starting with "system:" or "developer:"',
    regex: /(?:^|\n)[ \t]{0,8}\[?(?:system|developer|admin)\]?[ \t]{0,4}:/, weight: 0.5, severity: 'warning' },
  { id: 'role.line_prefix_chat', family: 'role_marker', anchors: ['human', 'assistant', 'user', 'ai', 'bot', 'chatgpt'], description: 'a line starting with a chat role (Human:, Assistant:, User:)',
    regex: /(?:^|\n)[ \t]{0,8}(?:human|assistant|user|ai|bot|chatgpt)[ \t]{0,4}:/, weight: 0.2, severity: 'info' },
  { id: 'role.xml_tag', family: 'role_marker', anchors: ['<system', '</system', '<instruction', '</instruction', '<admin', '</admin', '<developer', '</developer', '<im_', '</im_'], description: 'XML-like system/instruction tags',
    regex: /<\/?(?:system|system_prompt|system-prompt|instructions?|admin|developer|im_start|im_end)>/, weight: 0.6, severity: 'warning' },
];
