/** Exfiltration: data smuggled out through rendered links/images, fetch-and-run, or "send it to URL". */
import type { PatternDef } from './types.js';

export const EXFILTRATION: PatternDef[] = [
  {
    id: 'exfil.markdown_image_query',
    family: 'exfiltration',
    anchors: ['!['],
    requires: [['=']],
    description: 'markdown image whose URL carries a query string (renders = leaks)',
    regex: /!\[[^\]\n]{0,200}\]\(\s?(?:https:|http:)?\/\/[^)\s?&]{1,300}[?&][^)\s=&]{1,50}=/,
    weight: 0.55,
    severity: 'critical',
  },
  {
    id: 'exfil.markdown_placeholder',
    family: 'exfiltration',
    anchors: ['](', '] ('],
    description: 'markdown link/image URL with a placeholder to fill with data',
    regex:
      /!?\[[^\]\n]{0,200}\]\(\s?(?:https:|http:)?\/\/[^)\s{<[$%]{0,300}(?:\{|\$\{|%7b|<|\[)[a-z_ ]{1,40}(?:\}|%7d|>|\])/,
    weight: 0.6,
    severity: 'critical',
  },
  {
    id: 'exfil.fetch_and_run',
    family: 'exfiltration',
    anchors: ['curl', 'wget', 'iwr', 'invoke'],
    description: 'curl/wget piped into a shell',
    regex:
      /\b(?:curl|wget|iwr|invoke-webrequest)\b[^|\n]{1,200}\|\s?(?:sudo\s)?(?:ba|z|da|k)?sh\b|\b(?:curl|wget)\b[^\n;]{1,200}(?:;|&&)\s?(?:ba)?sh\s+[^\s]{1,80}/,
    weight: 0.75,
    severity: 'critical',
  },
  {
    id: 'exfil.send_to_url',
    family: 'exfiltration',
    anchors: ['send', 'post', 'upload', 'forward', 'transmit', 'exfiltrate', 'submit', 'beacon'],
    description: 'send/post data to a URL or address',
    regex:
      /\b(?:send|post|upload|forward|transmit|exfiltrate|submit|beacon)\b[^.\n]{0,50}?\b(?:to|at|via)\s+(?:https?:\/\/|www\.|[a-z0-9-]{1,63}\.(?:com|net|org|io|ru|cn|xyz|site|app|dev)\b)/,
    weight: 0.45,
    severity: 'warning',
  },
  {
    id: 'exfil.collector_host',
    family: 'exfiltration',
    anchors: ['webhook.site', 'requestbin', 'pipedream', 'ngrok', 'burpcollaborator', 'interact.sh', 'oast.'],
    description: 'well-known request-collector hosts',
    regex:
      /\b(?:webhook\.site|requestbin|pipedream\.net|ngrok(?:-free)?\.(?:io|app)|burpcollaborator|interact\.sh|oast\.(?:fun|pro|live|site|online|me))\b/,
    weight: 0.45,
    severity: 'warning',
  },
  {
    id: 'exfil.javascript_uri',
    family: 'exfiltration',
    anchors: ['javascript:', '<script', 'onerror', 'onload'],
    description: 'javascript: URI or script tag in content',
    regex: /\]\(\s?javascript:|<script\b|\bon(?:error|load)\s?=\s?["']?[a-z]/,
    weight: 0.5,
    severity: 'warning',
  },
];
